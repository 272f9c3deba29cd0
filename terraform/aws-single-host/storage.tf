# The class's private bucket: the project tarball the instance installs, the roster, and the
# learners' exported homes (`workshop cloud export`). Encrypted, never public, emptied on destroy.

resource "aws_s3_bucket" "class" {
  #checkov:skip=CKV_AWS_18:access logs would need a second bucket that outlives the class; CloudTrail records API access
  #checkov:skip=CKV_AWS_144:a one-event bucket of reproducible files and exports downloaded before teardown: no replica
  #checkov:skip=CKV_AWS_145:SSE-S3 (AES256) encryption; a customer KMS key would outlive the class and cost money
  #checkov:skip=CKV2_AWS_62:nothing consumes bucket events; the host polls the roster itself
  bucket_prefix = "${var.name}-"
  # teardown must leave nothing behind; `workshop cloud export` downloads exports first
  force_destroy = true
  tags          = local.tags
}

resource "aws_s3_bucket_public_access_block" "class" {
  bucket                  = aws_s3_bucket.class.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "class" {
  bucket = aws_s3_bucket.class.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "class" {
  bucket = aws_s3_bucket.class.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "class" {
  bucket = aws_s3_bucket.class.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "class" {
  bucket = aws_s3_bucket.class.id
  rule {
    id     = "old-versions-and-uploads"
    status = "Enabled"
    filter {}
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

resource "aws_s3_object" "bundle" {
  count  = var.bundle_path != "" ? 1 : 0
  bucket = aws_s3_bucket.class.id
  key    = "bundle/dragonn-workshop-${substr(filesha256(var.bundle_path), 0, 16)}.tar.gz"
  source = var.bundle_path
  etag   = filemd5(var.bundle_path)
  tags   = local.tags
}

resource "aws_s3_object" "roster" {
  count  = var.roster_path != "" ? 1 : 0
  bucket = aws_s3_bucket.class.id
  key    = "roster/roster.csv"
  source = var.roster_path
  etag   = filemd5(var.roster_path)
  tags   = local.tags
}
