# The instance's role: Session Manager (instead of SSH), its own SSM parameters under /<name>/
# (status, activity and the passwords it generates; reading any other parameter is denied), and
# its class bucket (bundle, roster, exports). Nothing else.

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "host" {
  name_prefix        = "${var.name}-host-"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
  tags               = local.tags
}

resource "aws_iam_role_policy_attachment" "ssm_core" {
  role       = aws_iam_role.host.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

data "aws_iam_policy_document" "host" {
  statement {
    sid       = "OwnParameters"
    actions   = ["ssm:GetParameter", "ssm:GetParameters", "ssm:PutParameter"]
    resources = ["arn:${data.aws_partition.current.partition}:ssm:${var.aws_region}:${data.aws_caller_identity.current.account_id}:parameter${local.parameter_path}/*"]
  }
  # AmazonSSMManagedInstanceCore allows ssm:GetParameter(s) on every parameter of the account:
  # an explicit deny keeps the host (and anything that reaches its role) to its own class's
  statement {
    sid     = "NoOtherParameters"
    effect  = "Deny"
    actions = ["ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath", "ssm:GetParameterHistory"]
    not_resources = [
      "arn:${data.aws_partition.current.partition}:ssm:${var.aws_region}:${data.aws_caller_identity.current.account_id}:parameter${local.parameter_path}",
      "arn:${data.aws_partition.current.partition}:ssm:${var.aws_region}:${data.aws_caller_identity.current.account_id}:parameter${local.parameter_path}/*",
    ]
  }
  statement {
    sid       = "ReadClassBucket"
    actions   = ["s3:GetObject"]
    resources = ["${aws_s3_bucket.class.arn}/bundle/*", "${aws_s3_bucket.class.arn}/roster/*"]
  }
  statement {
    sid       = "WriteExports"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.class.arn}/exports/*"]
  }
  statement {
    sid       = "ListClassBucket"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.class.arn]
  }
}

resource "aws_iam_role_policy" "host" {
  name   = "dragonn-workshop-host"
  role   = aws_iam_role.host.id
  policy = data.aws_iam_policy_document.host.json
}

resource "aws_iam_instance_profile" "host" {
  name_prefix = "${var.name}-host-"
  role        = aws_iam_role.host.name
  tags        = local.tags
}
