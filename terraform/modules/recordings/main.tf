# The recordings bucket: private (all four public-access blocks, ACLs off,
# TLS only), encrypted (SSE-S3), unversioned (the module replaces nothing it
# uploads, and a deleted recording must really go), recordings expiring
# after expiry_days.  The frontends' instance profile may only put and delete
# objects under the prefix; CloudFront (one distribution) may only read them.

resource "aws_s3_bucket" "this" {
  bucket_prefix = "${var.name}-recordings-"
  force_destroy = false

  tags = merge(var.tags, { Name = "${var.name}-recordings" })
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Disabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-recordings"
    status = "Enabled"

    filter {
      prefix = "${var.prefix}/"
    }

    expiration {
      days = var.expiry_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

# Policies as jsonencode (not aws_iam_policy_document): the mocked tests can
# read them back.
locals {
  objects = "${aws_s3_bucket.this.arn}/${var.prefix}/*"

  bucket_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid       = "TLSOnly"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      }],
      var.cloudfront_distribution_arn == null ? [] : [{
        Sid       = "CloudFrontReadsRecordings"
        Effect    = "Allow"
        Principal = { Service = "cloudfront.amazonaws.com" }
        Action    = "s3:GetObject"
        Resource  = local.objects
        Condition = { StringEquals = { "AWS:SourceArn" = var.cloudfront_distribution_arn } }
      }],
    )
  })

  frontend_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "UploadAndRetireRecordings"
      Effect   = "Allow"
      Action   = ["s3:DeleteObject", "s3:PutObject"]
      Resource = local.objects
    }]
  })
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = local.bucket_policy

  # A policy is refused while the public access block is being changed.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

module "frontend_role" {
  source = "../instance_profile"

  name        = "${var.name}-frontend"
  policy_name = "recordings-upload"
  policy      = local.frontend_policy
  tags        = var.tags
}
