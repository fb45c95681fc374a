output "domain_name" {
  description = "The name viewers use: alias_domain when set, else the distribution's cloudfront.net name."
  value       = var.alias_domain == "" ? aws_cloudfront_distribution.this.domain_name : var.alias_domain
}

output "distribution_id" {
  description = "ID of the distribution (for invalidations)."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the distribution: the only principal the recordings bucket lets read."
  value       = aws_cloudfront_distribution.this.arn
}

output "distribution" {
  description = "The distribution as planned, for audits and the root stack's tests: origins, the default and ordered behaviours (with their cache policy's TTLs and viewer-request functions), the policies, the function's code, the viewer certificate."
  value = {
    aliases = aws_cloudfront_distribution.this.aliases
    origins = {
      for o in aws_cloudfront_distribution.this.origin : o.origin_id => {
        domain_name              = o.domain_name
        origin_access_control_id = o.origin_access_control_id
        custom_origin_config = [for c in o.custom_origin_config : {
          origin_protocol_policy = c.origin_protocol_policy
          origin_ssl_protocols   = c.origin_ssl_protocols
          https_port             = c.https_port
        }]
      }
    }
    behaviours = [
      for b in concat(
        [merge(one(aws_cloudfront_distribution.this.default_cache_behavior), { path_pattern = "default" })],
        aws_cloudfront_distribution.this.ordered_cache_behavior,
        ) : {
        path_pattern             = b.path_pattern
        target_origin_id         = b.target_origin_id
        compress                 = b.compress
        viewer_protocol_policy   = b.viewer_protocol_policy
        allowed_methods          = b.allowed_methods
        origin_request_policy_id = b.origin_request_policy_id
        ttl = one([
          for k, p in aws_cloudfront_cache_policy.this : { min = p.min_ttl, default = p.default_ttl, max = p.max_ttl }
          if p.id == b.cache_policy_id
        ])
        gzip = one([
          for k, p in aws_cloudfront_cache_policy.this : one(p.parameters_in_cache_key_and_forwarded_to_origin).enable_accept_encoding_gzip
          if p.id == b.cache_policy_id
        ])
        viewer_request_functions = [for f in b.function_association : f.function_arn if f.event_type == "viewer-request"]
      }
    ]
    function_arn        = aws_cloudfront_function.viewer_request.arn
    function_code       = aws_cloudfront_function.viewer_request.code
    function_runtime    = aws_cloudfront_function.viewer_request.runtime
    viewer_address_id   = aws_cloudfront_origin_request_policy.viewer_address.id
    viewer_headers      = one(one(aws_cloudfront_origin_request_policy.viewer_address.headers_config).headers).items
    viewer_certificate  = one(aws_cloudfront_distribution.this.viewer_certificate)
    alias_record_types  = keys(aws_route53_record.alias)
    recordings_oac_type = local.vod ? aws_cloudfront_origin_access_control.recordings[0].origin_access_control_origin_type : null
  }
}
