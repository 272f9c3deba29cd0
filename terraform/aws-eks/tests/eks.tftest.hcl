# terraform test with mock providers: plans only, no AWS or cluster. The Python test
# (tests/test_terraform_eks.py) runs it against the schema-only stand-ins of the three providers
# and writes z2jh-values.yaml from `workshop settings z2jh` first.

mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-west-2a", "us-west-2b", "us-west-2c"] }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-west-2:123456789012:key/test" }
  }
  mock_resource "aws_eks_cluster" {
    defaults = {
      endpoint              = "https://cluster.example"
      certificate_authority = [{ data = "Y2VydA==" }]
    }
  }
  mock_resource "aws_eks_node_group" {
    defaults = { resources = [{ autoscaling_groups = [{ name = "eks-asg" }], remote_access_security_group_id = "" }] }
  }
}

mock_provider "helm" {}
mock_provider "kubernetes" {}

variables {
  chart_values_file = "z2jh-values.yaml"
  admin_cidrs       = ["203.0.113.10/32"]
}

run "nodes_are_locked_down_and_labelled_for_the_profiles" {
  command = plan

  assert {
    condition = alltrue([for lt in aws_launch_template.pool :
    lt.metadata_options[0].http_tokens == "required" && lt.metadata_options[0].http_put_response_hop_limit == 1])
    error_message = "every node must require IMDSv2 with hop limit 1"
  }
  assert {
    condition = alltrue([for lt in aws_launch_template.pool :
    lt.block_device_mappings[0].ebs[0].encrypted == "true" && lt.block_device_mappings[0].ebs[0].volume_type == "gp3"])
    error_message = "every node volume must be encrypted gp3"
  }
  assert {
    condition = alltrue([for lt in aws_launch_template.pool :
    strcontains(base64decode(lt.user_data), "podPidsLimit: 2048")])
    error_message = "every node must cap a pod's processes at pod_pids_limit (the hub's pids_limit)"
  }
  assert {
    condition     = aws_eks_node_group.pool["gpu-users"].ami_type == "AL2023_x86_64_NVIDIA"
    error_message = "GPU nodes must run the NVIDIA AMI"
  }
  assert {
    condition     = aws_eks_node_group.pool["gpu-users"].labels["dragonn-workshop/node-pool"] == "gpu-users"
    error_message = "GPU nodes must carry the label the chart's GPU profile selects"
  }
  assert {
    condition     = contains([for t in aws_eks_node_group.pool["gpu-users"].taint : t.key], "nvidia.com/gpu")
    error_message = "GPU nodes must be tainted nvidia.com/gpu"
  }
  assert {
    condition     = aws_eks_node_group.pool["gpu-users"].scaling_config[0].min_size == 0
    error_message = "the GPU pool must scale from zero by default"
  }
  assert {
    condition     = aws_autoscaling_group_tag.node_template["gpu-users|k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"].tag[0].value == "4"
    error_message = "the autoscaler must know an empty GPU node offers learners_per_gpu GPUs"
  }
  assert {
    condition     = length(aws_autoscaling_schedule.class_start) == 0
    error_message = "no class schedule unless class_hours is set"
  }
  assert {
    condition     = length(aws_vpc.this) == 1 && length(aws_nat_gateway.this) == 1
    error_message = "a VPC is created when none is given"
  }
}

run "the_chart_gets_the_settings_values_and_the_cluster_overlay" {
  command = plan

  assert {
    condition     = helm_release.jupyterhub[0].version == "4.4.0" && helm_release.jupyterhub[0].chart == "jupyterhub"
    error_message = "the chart version must be hub.cloud.z2jh.CHART_VERSION"
  }
  assert {
    condition     = strcontains(helm_release.jupyterhub[0].values[0], "SharedPasswordAuthenticator")
    error_message = "the first values document must be `workshop settings z2jh`"
  }
  assert {
    condition     = yamldecode(helm_release.jupyterhub[0].values[1]).singleuser.storage.dynamic.storageClass == kubernetes_storage_class_v1.gp3[0].metadata[0].name
    error_message = "learners' homes must use the encrypted gp3 class"
  }
  assert {
    condition     = kubernetes_storage_class_v1.gp3[0].volume_binding_mode == "WaitForFirstConsumer"
    error_message = "volumes must be made where the pod lands (EBS is zonal)"
  }
  assert {
    condition     = yamldecode(helm_release.device_plugin[0].values[0]).nodeSelector["dragonn-workshop/node-pool"] == "gpu-users"
    error_message = "the device plugin must run on the GPU pool"
  }
  assert {
    condition     = aws_eks_addon.vpc_cni.configuration_values == jsonencode({ enableNetworkPolicy = "true" })
    error_message = "the VPC CNI must enforce the chart's network policies"
  }
}

run "a_four_gpu_node_offers_four_times_the_slices" {
  command = plan
  variables {
    gpu_instance_type = "g4dn.12xlarge"
  }
  assert {
    condition     = aws_autoscaling_group_tag.node_template["gpu-users|k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"].tag[0].value == "16"
    error_message = "4 GPUs x 4 learners per GPU = 16 slices"
  }
}

run "class_hours_keep_gpu_nodes_warm" {
  command = plan
  variables {
    class_hours     = { start = "30 8 * * MON-FRI", end = "0 18 * * MON-FRI", time_zone = "America/Los_Angeles" }
    class_gpu_nodes = 6
  }
  assert {
    condition     = aws_autoscaling_schedule.class_start[0].min_size == 6 && aws_autoscaling_schedule.class_end[0].min_size == 0
    error_message = "class hours must hold class_gpu_nodes, then let the pool go back to gpu_min_nodes"
  }
  assert {
    condition     = aws_autoscaling_schedule.class_start[0].time_zone == "America/Los_Angeles"
    error_message = "class hours are in the instructor's time zone"
  }
}

run "an_existing_vpc_is_used_as_is" {
  command = plan
  variables {
    vpc_id             = "vpc-0123456789abcdef0"
    private_subnet_ids = ["subnet-a", "subnet-b"]
    public_subnet_ids  = ["subnet-c", "subnet-d"]
  }
  assert {
    condition     = length(aws_vpc.this) == 0 && length(aws_nat_gateway.this) == 0
    error_message = "no VPC is created when vpc_id is given"
  }
  assert {
    condition     = toset(aws_eks_node_group.pool["gpu-users"].subnet_ids) == toset(["subnet-a"])
    error_message = "learner pools live in one zone (their volumes are zonal)"
  }
}

run "without_apps_nothing_runs_in_the_cluster" {
  command = plan
  variables {
    install_apps = false
  }
  assert {
    condition     = length(helm_release.jupyterhub) == 0 && length(helm_release.autoscaler) == 0 && length(kubernetes_namespace_v1.hub) == 0
    error_message = "install_apps=false must remove the chart (and its load balancer) first"
  }
}

run "the_api_is_never_open_to_the_internet" {
  command = plan
  variables {
    admin_cidrs = ["0.0.0.0/0"]
  }
  expect_failures = [var.admin_cidrs]
}

run "a_cpu_type_is_refused_for_the_gpu_pool" {
  command = plan
  variables {
    gpu_instance_type = "m7i.xlarge"
  }
  expect_failures = [var.gpu_instance_type]
}
