# CloudFront (cdn_enabled), the recordings bucket (recordings_bucket_enabled)
# and Prometheus's EC2 discovery permission.

data "aws_ec2_managed_prefix_list" "cloudfront" {
  count = local.cdn_on ? 1 : 0

  name = "com.amazonaws.global.cloudfront.origin-facing"
}

module "cdn" {
  source = "./modules/cdn"
  count  = local.cdn_on ? 1 : 0

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name               = var.name
  origin_domain_name = var.domain_name
  alias_domain       = var.cdn_alias_domain
  hosted_zone_id     = var.hosted_zone_id
  price_class        = var.cdn_price_class
  vod_bucket = var.recordings_bucket_enabled ? {
    regional_domain_name = module.recordings[0].bucket_regional_domain_name
    prefix               = module.recordings[0].prefix
  } : null
}

module "recordings" {
  source = "./modules/recordings"
  count  = var.recordings_bucket_enabled ? 1 : 0

  name                        = var.name
  prefix                      = var.recordings_prefix
  expiry_days                 = var.recordings_expiry_days
  cloudfront_distribution_arn = local.cdn_on ? module.cdn[0].distribution_arn : null
}

# Prometheus's ec2_sd_configs: describe instances (the action has no
# resource-level permissions, hence "*"), nothing else.
module "monitoring_role" {
  source = "./modules/instance_profile"

  name        = "${var.name}-monitoring"
  policy_name = "ec2-discovery"
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "PrometheusEc2Discovery"
      Effect   = "Allow"
      Action   = "ec2:DescribeInstances"
      Resource = "*"
    }]
  })
}
