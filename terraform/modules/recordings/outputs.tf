output "bucket" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket (CloudFront's S3 origin)."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "prefix" {
  description = "Key prefix of the recordings."
  value       = var.prefix
}

output "instance_profile_name" {
  description = "Instance profile for the frontends (put and delete under the prefix, nothing else)."
  value       = module.frontend_role.instance_profile_name
}

output "settings" {
  description = "The bucket's settings as planned, for audits and the root stack's tests: public access blocks, encryption, versioning, lifecycle, and the bucket and frontend policies (JSON)."
  value = {
    public_access_block = {
      block_public_acls       = aws_s3_bucket_public_access_block.this.block_public_acls
      block_public_policy     = aws_s3_bucket_public_access_block.this.block_public_policy
      ignore_public_acls      = aws_s3_bucket_public_access_block.this.ignore_public_acls
      restrict_public_buckets = aws_s3_bucket_public_access_block.this.restrict_public_buckets
    }
    sse_algorithm     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm
    versioning        = one(aws_s3_bucket_versioning.this.versioning_configuration).status
    object_ownership  = one(aws_s3_bucket_ownership_controls.this.rule).object_ownership
    expiry_prefix     = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).filter).prefix
    expiry_days       = one(one(aws_s3_bucket_lifecycle_configuration.this.rule).expiration).days
    bucket_policy     = aws_s3_bucket_policy.this.policy
    frontend_policy   = module.frontend_role.planned.policy
    frontend_assume   = module.frontend_role.planned.assume_role_policy
    frontend_role_ref = module.frontend_role.planned.wired
  }
}
