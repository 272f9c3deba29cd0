terraform {
  # 1.9: variable validations may refer to other variables
  required_version = ">= 1.9"
  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.8: aws_ssm_parameter.insecure_value (the AMI id is visible in plans)
      version = ">= 5.8, < 7.0"
    }
  }
}
