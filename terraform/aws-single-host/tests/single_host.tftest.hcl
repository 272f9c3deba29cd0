# terraform test, with a mocked AWS provider: what the module would create for a few classes.
# Run offline by tests/test_terraform.py (a schema-only stand-in for hashicorp/aws).

mock_provider "aws" {
  mock_data "aws_ssm_parameter" {
    defaults = {
      insecure_value = "ami-0123456789abcdef0"
    }
  }
  mock_data "aws_ec2_instance_type_offerings" {
    defaults = {
      locations = ["us-west-2c", "us-west-2b"]
    }
  }
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\": \"2012-10-17\", \"Statement\": []}"
    }
  }
  mock_data "aws_route53_zone" {
    defaults = {
      zone_id = "Z0123456789"
    }
  }
  mock_resource "aws_eip" {
    defaults = {
      public_ip = "203.0.113.10"
      id        = "eipalloc-0123456789abcdef0"
    }
  }
  mock_resource "aws_ebs_volume" {
    defaults = {
      id = "vol-0123456789abcdef0"
    }
  }
  mock_resource "aws_s3_bucket" {
    defaults = {
      bucket = "dragonn-workshop-20260101"
      arn    = "arn:aws:s3:::dragonn-workshop-20260101"
    }
  }
  mock_resource "aws_instance" {
    defaults = {
      arn = "arn:aws:ec2:us-west-2:123456789012:instance/i-0123456789abcdef0"
      id  = "i-0123456789abcdef0"
    }
  }
}

variables {
  bundle_url    = "https://example.org/dragonn-workshop-0.1.0.tar.gz"
  bundle_sha256 = "4a2e0fb5c8a1d7e3b9f6042c1d8e7a5b3c9f0e2d4a6b8c0e1f3a5b7d9c2e4f6a"
  # what a g4dn.xlarge holds at the default learner_memory (3840M): floor(0.85 x 16384 / 3840)
  class_size = 3
  # the instructor's time zone (`workshop cloud` passes its machine's; the module has no default)
  stop_timezone = "America/Los_Angeles"
}

run "defaults_give_a_locked_down_gpu_host" {
  command = apply

  assert {
    condition     = aws_instance.host.instance_type == "g4dn.xlarge"
    error_message = "the default instance type must be g4dn.xlarge (1x T4)"
  }
  assert {
    condition = (aws_instance.host.metadata_options[0].http_tokens == "required"
    && aws_instance.host.metadata_options[0].http_put_response_hop_limit == 1)
    error_message = "IMDSv2 must be required with a hop limit of 1 (containers must not reach the role)"
  }
  assert {
    condition     = aws_instance.host.root_block_device[0].encrypted && aws_ebs_volume.homes.encrypted
    error_message = "root and homes volumes must be encrypted"
  }
  assert {
    condition     = aws_ebs_volume.homes.availability_zone == "us-west-2b" && data.aws_subnet.host[0].availability_zone == "us-west-2b"
    error_message = "the host and its homes volume go to the first zone (sorted) that offers the type"
  }
  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.ssh) == 0
    error_message = "SSH must be closed unless admin_cidr is set"
  }
  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.https : r.from_port]) == toset([443])
    error_message = "learners reach 443"
  }
  assert {
    condition     = output.url == "https://203-0-113-10.sslip.io/"
    error_message = "without a domain the URL is the Elastic IP's sslip.io name"
  }
  assert {
    condition     = strcontains(aws_instance.host.user_data, "CLOUD_PUBLIC_IP=203.0.113.10") && strcontains(aws_instance.host.user_data, "CLOUD_HOMES_VOLUME=vol-0123456789abcdef0")
    error_message = "the user data tells the host its address and its homes volume"
  }
  assert {
    condition     = !strcontains(lower(aws_instance.host.user_data), "password=")
    error_message = "no password in user data"
  }
  assert {
    condition     = data.aws_ssm_parameter.ami[0].name == "/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-24.04/latest/ami-id"
    error_message = "GPU types boot the Deep Learning Base GPU AMI (Ubuntu 24.04)"
  }
  assert {
    condition     = length(aws_scheduler_schedule.stop) == 1 && aws_scheduler_schedule.stop[0].schedule_expression == "cron(0 20 * * ? *)" && aws_scheduler_schedule.stop[0].schedule_expression_timezone == "America/Los_Angeles"
    error_message = "a daily stop at 20:00 in the instructor's time zone by default"
  }
  assert {
    condition     = output.cost_per_hour_usd == 0.548
    error_message = "g4dn.xlarge in us-west-2 with 150 GiB of gp3: 0.526 + 150 x 0.08 / 730 + 0.005 = 0.5474, 0.548 $/h rounded up"
  }
}

run "cpu_class_with_a_domain_ssh_and_no_stop" {
  command = apply
  variables {
    instance_type = "m7i.2xlarge"
    https_domain  = "workshop.example.org"
    route53_zone  = "example.org"
    admin_cidr    = "198.51.100.7/32"
    stop_time     = ""
  }
  assert {
    condition     = data.aws_ssm_parameter.ami[0].name == "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
    error_message = "CPU types boot Canonical's Ubuntu 24.04"
  }
  assert {
    condition     = aws_route53_record.host[0].name == "workshop.example.org" && one(aws_route53_record.host[0].records) == "203.0.113.10"
    error_message = "the domain's A record points at the Elastic IP"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.ssh[0].cidr_ipv4 == "198.51.100.7/32"
    error_message = "SSH only from admin_cidr"
  }
  assert {
    condition     = length(aws_scheduler_schedule.stop) == 0 && length(aws_iam_role.scheduler) == 0
    error_message = "no stop schedule when stop_time is empty"
  }
  assert {
    condition     = output.url == "https://workshop.example.org/"
    error_message = "the URL uses the domain"
  }
}

run "pinned_ami_skips_the_lookup" {
  command   = plan
  state_key = "pinned" # a fresh state: the shared one holds an instance whose AMI is ignored
  variables {
    ami_id = "ami-0fedcba9876543210"
  }
  assert {
    condition     = length(data.aws_ssm_parameter.ami) == 0 && aws_instance.host.ami == "ami-0fedcba9876543210"
    error_message = "a pinned AMI is used as is"
  }
}

run "unknown_instance_type_is_refused" {
  command = plan
  variables {
    instance_type = "g2.2xlarge"
  }
  expect_failures = [var.instance_type]
}

run "local_spawner_is_refused" {
  command = plan
  variables {
    spawner = "local"
  }
  expect_failures = [var.spawner]
}

run "ssh_from_everywhere_is_refused" {
  command = plan
  variables {
    admin_cidr = "0.0.0.0/0"
  }
  expect_failures = [var.admin_cidr]
}

run "limits_beyond_the_instance_are_refused" {
  command = plan
  variables {
    mem_limit     = "6G"
    instance_type = "g4dn.xlarge"
    mem_limit_mb  = 6144
  }
  expect_failures = [aws_instance.host]
}

run "a_class_the_type_cannot_hold_is_refused" {
  command = plan
  variables {
    class_size    = 4
    instance_type = "g4dn.xlarge"
  }
  expect_failures = [aws_instance.host]
}

run "a_smaller_learner_memory_holds_more" {
  command   = plan
  state_key = "smaller"
  variables {
    class_size        = 6
    instance_type     = "g4dn.xlarge"
    learner_memory    = "2G"
    learner_memory_mb = 2048
  }
  assert {
    condition     = local.learners_per_host == 6
    error_message = "g4dn.xlarge holds floor(0.85 x 16384 / 2048) = 6 learners at 2G"
  }
}

run "no_bundle_is_refused" {
  command = plan
  variables {
    bundle_url    = ""
    bundle_sha256 = ""
  }
  expect_failures = [aws_instance.host]
}

run "a_type_offered_nowhere_in_the_region_is_refused" {
  command   = plan
  state_key = "nowhere"
  override_data {
    target = data.aws_ec2_instance_type_offerings.in_region
    values = {
      locations = []
    }
  }
  expect_failures = [aws_instance.host]
}

run "the_default_class_gets_a_type_that_holds_it" {
  # untouched settings: class_size 30, instance_type "auto" (hub/cloud/prices.py picks the same)
  command = plan
  variables {
    class_size = 30
  }
  assert {
    condition     = aws_instance.host.instance_type == "g4dn.12xlarge"
    error_message = "instance_type auto with 30 learners: g4dn.12xlarge (4x T4, holds 43), the cheapest GPU type that holds them"
  }
}

run "a_class_the_chosen_type_cannot_hold_is_refused" {
  command = plan
  variables {
    class_size    = 30
    instance_type = "g4dn.xlarge"
  }
  expect_failures = [aws_instance.host]
}

run "a_stop_time_zone_that_is_no_iana_name_is_refused" {
  command = plan
  variables {
    stop_timezone = "PST"
  }
  expect_failures = [var.stop_timezone]
}

run "an_account_without_a_default_vpc_uses_the_given_subnet" {
  command   = plan
  state_key = "subnet"
  variables {
    subnet_id     = "subnet-0123456789abcdef0"
    learner_cidrs = ["198.51.100.0/24"]
  }
  override_data {
    target = data.aws_subnet.chosen[0]
    values = {
      availability_zone = "us-west-2c"
      vpc_id            = "vpc-0fedcba9876543210"
    }
  }
  assert {
    condition     = length(data.aws_vpc.default) == 0 && length(data.aws_subnet.host) == 0
    error_message = "with subnet_id, no default VPC is looked up (many accounts have none)"
  }
  assert {
    condition     = aws_instance.host.subnet_id == "subnet-0123456789abcdef0" && aws_ebs_volume.homes.availability_zone == "us-west-2c" && aws_security_group.host.vpc_id == "vpc-0fedcba9876543210"
    error_message = "host, homes volume and security group follow the subnet"
  }
  assert {
    condition     = [for r in aws_vpc_security_group_ingress_rule.https : r.cidr_ipv4] == ["198.51.100.0/24"] && aws_vpc_security_group_ingress_rule.http.cidr_ipv4 == "0.0.0.0/0"
    error_message = "learner_cidrs narrows 443 only: port 80 stays open for the certificate's HTTP challenge"
  }
}

run "a_subnet_in_a_zone_without_the_type_is_refused" {
  command   = plan
  state_key = "subnet-zone"
  variables {
    subnet_id = "subnet-0123456789abcdef0"
  }
  override_data {
    target = data.aws_subnet.chosen[0]
    values = {
      availability_zone = "us-west-2d"
      vpc_id            = "vpc-0fedcba9876543210"
    }
  }
  expect_failures = [aws_instance.host]
}
