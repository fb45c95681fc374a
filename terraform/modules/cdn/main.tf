# CloudFront in front of the frontends' HLS.  The frontends (or their HTTPS
# load balancer) are the one custom origin, reached over HTTPS only with TLS
# 1.2 at the origin's real name (its certificate must match).  Playlists are
# cached at most 1 s, segments long and never recompressed, the player's
# pages briefly; the admin API is refused by a viewer-request function on
# every behaviour and so never reaches the origin.  With a recordings bucket,
# /vod/* comes from S3 through Origin Access Control.

locals {
  frontend_origin = "frontends"
  vod_origin      = "recordings"
  vod             = var.vod_bucket != null

  viewer_request_code = replace(file("${path.module}/viewer-request.js"), "@VOD_PREFIX@", local.vod ? var.vod_bucket.prefix : "")

  # Ordered behaviours, first match wins: /vstream/* before *.m3u8 so no
  # pattern below can ever take an admin path.
  behaviours = concat(
    [{ path_pattern = "/vstream/*", origin = local.frontend_origin, cache = "pages", compress = false }],
    local.vod ? [{ path_pattern = "/vod/*", origin = local.vod_origin, cache = "recordings", compress = true }] : [],
    [
      { path_pattern = "*.m3u8", origin = local.frontend_origin, cache = "playlists", compress = true },
      { path_pattern = "*.ts", origin = local.frontend_origin, cache = "segments", compress = false },
    ],
  )

  # TTLs in seconds.  Playlists: at most 1 s, less when the origin says so
  # (it sends no-cache: every request revalidates).  Segments never change.
  cache_ttls = {
    playlists  = { min = 0, default = 1, max = 1, compress = true }
    segments   = { min = 0, default = 86400, max = 31536000, compress = false }
    recordings = { min = 0, default = 86400, max = 31536000, compress = true }
    pages      = { min = 0, default = 60, max = 300, compress = true }
  }
}

resource "aws_cloudfront_function" "viewer_request" {
  name    = "${var.name}-viewer-request"
  runtime = "cloudfront-js-2.0"
  comment = "vstream: 403 for the admin API; /vod/ to the recordings prefix"
  publish = true
  code    = local.viewer_request_code
}

resource "aws_cloudfront_cache_policy" "this" {
  for_each = local.cache_ttls

  name        = "${var.name}-${each.key}"
  comment     = "vstream ${each.key}"
  min_ttl     = each.value.min
  default_ttl = each.value.default
  max_ttl     = each.value.max

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = each.value.compress
    enable_accept_encoding_brotli = each.value.compress

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# The viewer's address and port for the frontends' realip (the audience
# counts): CloudFront's own header, not a forwarded X-Forwarded-For.
resource "aws_cloudfront_origin_request_policy" "viewer_address" {
  name    = "${var.name}-viewer-address"
  comment = "vstream: CloudFront-Viewer-Address to the frontends"

  cookies_config {
    cookie_behavior = "none"
  }
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["CloudFront-Viewer-Address"]
    }
  }
  query_strings_config {
    query_string_behavior = "none"
  }
}

resource "aws_cloudfront_origin_access_control" "recordings" {
  count = local.vod ? 1 : 0

  name                              = "${var.name}-recordings"
  description                       = "vstream: CloudFront reads the recordings bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

module "certificate" {
  source = "../certificate"
  count  = var.alias_domain == "" ? 0 : 1

  providers = {
    aws = aws.us_east_1
  }

  domain_name = var.alias_domain
  zone_id     = var.hosted_zone_id
  tags        = var.tags
}

resource "aws_cloudfront_distribution" "this" {
  enabled         = true
  is_ipv6_enabled = true
  http_version    = "http2and3"
  price_class     = var.price_class
  comment         = "vstream ${var.name}"
  aliases         = var.alias_domain == "" ? [] : [var.alias_domain]

  origin {
    origin_id   = local.frontend_origin
    domain_name = var.origin_domain_name

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  dynamic "origin" {
    for_each = local.vod ? [var.vod_bucket] : []

    content {
      origin_id                = local.vod_origin
      domain_name              = origin.value.regional_domain_name
      origin_access_control_id = aws_cloudfront_origin_access_control.recordings[0].id
    }
  }

  default_cache_behavior {
    target_origin_id         = local.frontend_origin
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = ["GET", "HEAD"]
    cached_methods           = ["GET", "HEAD"]
    compress                 = true
    cache_policy_id          = aws_cloudfront_cache_policy.this["pages"].id
    origin_request_policy_id = aws_cloudfront_origin_request_policy.viewer_address.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.viewer_request.arn
    }
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.behaviours
    iterator = b

    content {
      path_pattern             = b.value.path_pattern
      target_origin_id         = b.value.origin
      viewer_protocol_policy   = "redirect-to-https"
      allowed_methods          = ["GET", "HEAD"]
      cached_methods           = ["GET", "HEAD"]
      compress                 = b.value.compress
      cache_policy_id          = aws_cloudfront_cache_policy.this[b.value.cache].id
      origin_request_policy_id = b.value.origin == local.frontend_origin ? aws_cloudfront_origin_request_policy.viewer_address.id : null

      function_association {
        event_type   = "viewer-request"
        function_arn = aws_cloudfront_function.viewer_request.arn
      }
    }
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = var.alias_domain == ""
    acm_certificate_arn            = var.alias_domain == "" ? null : module.certificate[0].arn
    ssl_support_method             = var.alias_domain == "" ? null : "sni-only"
    minimum_protocol_version       = var.alias_domain == "" ? "TLSv1" : "TLSv1.2_2021"
  }

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_route53_record" "alias" {
  for_each = var.alias_domain == "" ? toset([]) : toset(["A", "AAAA"])

  zone_id = var.hosted_zone_id
  name    = var.alias_domain
  type    = each.key

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}
