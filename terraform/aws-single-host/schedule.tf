# Cost control: a daily stop at stop_time (EventBridge Scheduler calls ec2:StopInstances); the
# idle stop runs on the instance itself (terraform/provision/provision.sh installs its timer).

data "aws_iam_policy_document" "scheduler_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["scheduler.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
  }
}

resource "aws_iam_role" "scheduler" {
  count              = var.stop_time != "" ? 1 : 0
  name_prefix        = "${var.name}-stop-"
  assume_role_policy = data.aws_iam_policy_document.scheduler_assume.json
  tags               = local.tags
}

data "aws_iam_policy_document" "stop_host" {
  statement {
    actions   = ["ec2:StopInstances"]
    resources = [aws_instance.host.arn]
  }
}

resource "aws_iam_role_policy" "scheduler" {
  count  = var.stop_time != "" ? 1 : 0
  name   = "stop-dragonn-workshop-host"
  role   = aws_iam_role.scheduler[0].id
  policy = data.aws_iam_policy_document.stop_host.json
}

resource "aws_scheduler_schedule" "stop" {
  #checkov:skip=CKV_AWS_297:the schedule holds only the instance id; a customer KMS key would outlive the class
  count                        = var.stop_time != "" ? 1 : 0
  name_prefix                  = "${var.name}-stop-"
  description                  = "Stop the DragoNN Workshop host every day at ${var.stop_time} ${var.stop_timezone}"
  schedule_expression          = "cron(${tonumber(split(":", var.stop_time)[1])} ${tonumber(split(":", var.stop_time)[0])} * * ? *)"
  schedule_expression_timezone = var.stop_timezone
  flexible_time_window {
    mode = "OFF"
  }
  target {
    arn      = "arn:${data.aws_partition.current.partition}:scheduler:::aws-sdk:ec2:stopInstances"
    role_arn = aws_iam_role.scheduler[0].arn
    input    = jsonencode({ InstanceIds = [aws_instance.host.id] })
  }
}
