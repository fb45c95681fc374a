# Offline: the aws provider is mocked; plans only.  Values a real plan would
# only know after apply (IDs) are generated at plan time (override_during).

mock_provider "aws" {
  override_during = plan

  # Generated IDs, known at plan time, so routes can be compared to targets.
  mock_resource "aws_internet_gateway" {}
  mock_resource "aws_route_table" {}
  mock_resource "aws_nat_gateway" {}
  mock_resource "aws_eip" {}
  mock_resource "aws_subnet" {}
  mock_resource "aws_default_security_group" {}
  mock_resource "aws_vpc" {}
  mock_resource "aws_flow_log" {}
  mock_resource "aws_iam_role" {}
  mock_resource "aws_iam_role_policy" {}
  mock_resource "aws_cloudwatch_log_group" {}

  # A route's targets are optional and computed: the mock fills the ones the
  # configuration leaves out with "unset", so a test can tell them apart.
  mock_resource "aws_route" {
    defaults = {
      gateway_id           = "unset"
      network_interface_id = "unset"
    }
  }

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["xx-test-1a", "xx-test-1b", "xx-test-1c"]
    }
  }
}

# Zone b lacks t3.small: a stack of t3.micro and t3.small uses a and c.
override_data {
  target          = data.aws_ec2_instance_type_offerings.this
  override_during = plan
  values = {
    locations      = ["xx-test-1a", "xx-test-1a", "xx-test-1b", "xx-test-1c", "xx-test-1c"]
    instance_types = ["t3.micro", "t3.small", "t3.micro", "t3.micro", "t3.small"]
  }
}

variables {
  name                              = "vstream"
  nat_instance_network_interface_id = "eni-0123456789abcdef0"
}

run "one_zone_nat_instance_by_default" {
  command = plan

  assert {
    condition     = aws_vpc.this.cidr_block == "10.0.0.0/16"
    error_message = "The VPC is 10.0.0.0/16 by default."
  }
  assert {
    condition     = output.public_subnet_cidrs == ["10.0.1.0/24"] && output.private_subnet_cidrs == ["10.0.2.0/24"]
    error_message = "One zone: public 10.0.1.0/24, private 10.0.2.0/24."
  }
  assert {
    condition     = aws_subnet.public[0].availability_zone == "xx-test-1a" && aws_subnet.private[0].availability_zone == "xx-test-1a"
    error_message = "Both subnets sit in the first available zone."
  }
  assert {
    condition     = !aws_subnet.public[0].map_public_ip_on_launch && !aws_subnet.private[0].map_public_ip_on_launch
    error_message = "No subnet hands out public addresses on its own."
  }
  assert {
    condition     = aws_route.public_internet.destination_cidr_block == "0.0.0.0/0" && aws_route.public_internet.gateway_id == aws_internet_gateway.this.id
    error_message = "The public default route goes to the internet gateway."
  }
  assert {
    condition     = aws_route_table_association.public[0].route_table_id == aws_route_table.public.id && aws_route_table_association.private[0].route_table_id == aws_route_table.private.id
    error_message = "Each subnet is associated with the route table of its tier."
  }
  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "The VPC's default security group has no rules."
  }
  assert {
    condition     = aws_route.private_default.destination_cidr_block == "0.0.0.0/0"
    error_message = "The private route table has a default route."
  }
  assert {
    condition     = aws_route.private_default.network_interface_id == "eni-0123456789abcdef0"
    error_message = "The private default route targets the NAT instance's network interface."
  }
  assert {
    condition     = aws_route.private_default.nat_gateway_id == null && length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0
    error_message = "No NAT gateway (nor its Elastic IP) with a NAT instance."
  }
  assert {
    condition     = output.nat_gateway_public_ip == null
    error_message = "No NAT gateway address is reported with a NAT instance."
  }
  assert {
    condition     = length(data.aws_ec2_instance_type_offerings.this) == 0 && output.flow_logs == null && length(aws_flow_log.this) == 0
    error_message = "Without instance types no offerings lookup; no flow logs unless asked for."
  }
}

run "zones_offering_the_instance_types" {
  command = plan

  variables {
    az_count       = 2
    instance_types = ["t3.micro", "t3.small"]
  }

  assert {
    condition = (
      one([for f in data.aws_ec2_instance_type_offerings.this[0].filter : f.values if f.name == "instance-type"]) == toset(["t3.micro", "t3.small"]) &&
      data.aws_ec2_instance_type_offerings.this[0].location_type == "availability-zone"
    )
    error_message = "The offerings are looked up per zone for exactly the hosts' instance types."
  }
  assert {
    condition     = output.availability_zones == tolist(["xx-test-1a", "xx-test-1c"])
    error_message = "Zone b does not offer t3.small: the subnets go to a and c."
  }
}

run "not_enough_zones_offering_the_types" {
  command = plan

  variables {
    az_count       = 3
    instance_types = ["t3.small"]
  }

  expect_failures = [aws_vpc.this]
}

run "flow_logs" {
  command = plan

  variables {
    flow_logs = { enabled = true, retention_days = 30 }
  }

  override_resource {
    target          = aws_cloudwatch_log_group.flow_logs
    override_during = plan
    values          = { arn = "arn:aws:logs:xx-test-1:111122223333:log-group:/vstream/vstream/vpc-flow-logs" }
  }
  override_resource {
    target          = aws_iam_role.flow_logs
    override_during = plan
    values          = { arn = "arn:aws:iam::111122223333:role/vstream-flow-logs-1" }
  }

  assert {
    condition     = aws_flow_log.this[0].vpc_id == aws_vpc.this.id && aws_flow_log.this[0].traffic_type == "ALL" && aws_flow_log.this[0].log_destination_type == "cloud-watch-logs"
    error_message = "The VPC's flow log records all traffic to CloudWatch Logs."
  }
  assert {
    condition = (
      aws_flow_log.this[0].log_destination == "arn:aws:logs:xx-test-1:111122223333:log-group:/vstream/vstream/vpc-flow-logs" &&
      aws_flow_log.this[0].iam_role_arn == "arn:aws:iam::111122223333:role/vstream-flow-logs-1" &&
      aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 30
    )
    error_message = "The flow log writes to its log group, kept retention_days, through its role."
  }
  assert {
    condition = jsondecode(aws_iam_role.flow_logs[0].assume_role_policy).Statement == [{
      Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "vpc-flow-logs.amazonaws.com" }
    }]
    error_message = "Only the flow logs service assumes the delivery role."
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.flow_logs[0].policy).Statement == [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
      Resource = "arn:aws:logs:xx-test-1:111122223333:log-group:/vstream/vstream/vpc-flow-logs:*"
    }] && aws_iam_role_policy.flow_logs[0].role == aws_iam_role.flow_logs[0].id
    error_message = "The delivery role may write log streams of its own log group, nothing else."
  }
}

run "flow_logs_retention_not_a_cloudwatch_value" {
  command = plan

  variables {
    flow_logs = { enabled = true, retention_days = 45 }
  }

  expect_failures = [var.flow_logs]
}

run "nat_gateway_route" {
  command = plan

  variables {
    nat_gateway                       = true
    nat_instance_network_interface_id = null
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && aws_nat_gateway.this[0].subnet_id == aws_subnet.public[0].id
    error_message = "One NAT gateway, in the first public subnet."
  }
  assert {
    condition     = aws_nat_gateway.this[0].allocation_id == aws_eip.nat[0].id && aws_eip.nat[0].domain == "vpc"
    error_message = "The NAT gateway uses its own VPC Elastic IP."
  }
  assert {
    condition     = aws_route.private_default.nat_gateway_id == aws_nat_gateway.this[0].id && aws_route.private_default.network_interface_id == "unset"
    error_message = "The private default route targets the NAT gateway, not an interface."
  }
}

run "nat_instance_needs_an_interface" {
  command = plan

  variables {
    nat_instance_network_interface_id = null
  }

  expect_failures = [aws_route.private_default]
}

run "three_zones_other_prefix" {
  command = plan

  variables {
    vpc_cidr       = "172.20.0.0/16"
    subnet_newbits = 4
    az_count       = 3
  }

  assert {
    condition     = output.public_subnet_cidrs == ["172.20.16.0/20", "172.20.48.0/20", "172.20.80.0/20"]
    error_message = "Public subnets take the odd netnums of the VPC (/16 + 4 bits)."
  }
  assert {
    condition     = output.private_subnet_cidrs == ["172.20.32.0/20", "172.20.64.0/20", "172.20.96.0/20"]
    error_message = "Private subnets take the even netnums, never overlapping the public ones."
  }
  assert {
    condition     = output.availability_zones == tolist(["xx-test-1a", "xx-test-1b", "xx-test-1c"])
    error_message = "Each zone gets one subnet of each tier, in order."
  }
  assert {
    condition     = length(aws_route_table_association.private) == 3 && length(aws_route_table_association.public) == 3
    error_message = "Every subnet is associated with its tier's route table."
  }
}

run "invalid_inputs" {
  command = plan

  variables {
    name     = "VStream prod"
    az_count = 0
  }

  expect_failures = [var.name, var.az_count]
}

run "vpc_cidr_not_a_cidr" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.0"
  }

  expect_failures = [var.vpc_cidr]
}

run "vpc_cidr_not_canonical" {
  command = plan

  variables {
    vpc_cidr = "10.0.3.0/16"
  }

  expect_failures = [var.vpc_cidr]
}

run "subnets_smaller_than_aws_allows" {
  command = plan

  variables {
    vpc_cidr       = "10.0.0.0/26"
    subnet_newbits = 4
  }

  expect_failures = [var.vpc_cidr]
}

run "too_few_subnets_for_the_zones" {
  command = plan

  variables {
    vpc_cidr       = "10.0.0.0/24"
    subnet_newbits = 2
    az_count       = 2
  }

  expect_failures = [var.subnet_newbits]
}
