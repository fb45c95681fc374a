# An ACM certificate for one name, validated by DNS in a Route 53 zone; the
# arn output waits for the validation, so a listener or distribution using
# it is created only once the certificate is issued.  The provider decides
# the region (us-east-1 for CloudFront).

resource "aws_acm_certificate" "this" {
  domain_name       = var.domain_name
  validation_method = "DNS"

  tags = merge(var.tags, { Name = var.domain_name })

  lifecycle {
    create_before_destroy = true
  }
}

locals {
  validation = one([for o in aws_acm_certificate.this.domain_validation_options : o if o.domain_name == var.domain_name])
}

resource "aws_route53_record" "validation" {
  # Keyed by the name given, known at plan time before the certificate is.
  for_each = toset([var.domain_name])

  zone_id         = var.zone_id
  name            = local.validation.resource_record_name
  type            = local.validation.resource_record_type
  records         = [local.validation.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for r in aws_route53_record.validation : r.fqdn]
}
