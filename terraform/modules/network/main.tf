# One VPC: public subnets (internet gateway) and private subnets whose
# default route leaves through a NAT instance (the bastion's network
# interface) or a NAT gateway.  Subnet i of each kind is carved out of the
# VPC as netnum 2i+1 (public) and 2i+2 (private): 10.0.1.0/24 and
# 10.0.2.0/24 for the first zone of a 10.0.0.0/16 VPC.

data "aws_availability_zones" "available" {
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

# Only zones that offer every instance type the hosts use: a zone without
# one fails at apply, long after the plan looked fine.
data "aws_ec2_instance_type_offerings" "this" {
  count = length(var.instance_types) > 0 ? 1 : 0

  location_type = "availability-zone"

  filter {
    name   = "instance-type"
    values = var.instance_types
  }
}

locals {
  offered = length(var.instance_types) == 0 ? {} : {
    for i, zone in data.aws_ec2_instance_type_offerings.this[0].locations :
    "${zone} ${data.aws_ec2_instance_type_offerings.this[0].instance_types[i]}" => true
  }
  usable_azs = [
    for zone in data.aws_availability_zones.available.names : zone
    if alltrue([for t in var.instance_types : contains(keys(local.offered), "${zone} ${t}")])
  ]
  azs = tolist(slice(local.usable_azs, 0, min(var.az_count, length(local.usable_azs))))

  public_subnet_cidrs  = [for i in range(var.az_count) : cidrsubnet(var.vpc_cidr, var.subnet_newbits, 2 * i + 1)]
  private_subnet_cidrs = [for i in range(var.az_count) : cidrsubnet(var.vpc_cidr, var.subnet_newbits, 2 * i + 2)]
}

resource "aws_vpc" "this" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = length(local.usable_azs) >= var.az_count
      error_message = "Not enough availability zones offer every instance type (${join(", ", var.instance_types)}): ${length(local.usable_azs)} do (${join(", ", local.usable_azs)}), az_count is ${var.az_count}."
    }
  }
}

# The VPC's default security group keeps no rules, so nothing that lands in
# it by mistake is reachable or can reach out.
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-closed" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

# Instances ask for a public address themselves (associate_public_ip_address),
# so nothing gets one by merely landing in a public subnet.
resource "aws_subnet" "public" {
  count = var.az_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.public_subnet_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-public-${local.azs[count.index]}", Tier = "public" })
}

resource "aws_subnet" "private" {
  count = var.az_count

  vpc_id                  = aws_vpc.this.id
  cidr_block              = local.private_subnet_cidrs[count.index]
  availability_zone       = local.azs[count.index]
  map_public_ip_on_launch = false

  tags = merge(var.tags, { Name = "${var.name}-private-${local.azs[count.index]}", Tier = "private" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = var.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

resource "aws_route_table" "private" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private" })
}

resource "aws_route_table_association" "private" {
  count = var.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private.id
}

resource "aws_eip" "nat" {
  count = var.nat_gateway ? 1 : 0

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat" })

  depends_on = [aws_internet_gateway.this]
}

# One NAT gateway in the first zone serves every private subnet (the
# private route table is shared): cheaper, at the cost of zone independence.
resource "aws_nat_gateway" "this" {
  count = var.nat_gateway ? 1 : 0

  allocation_id = aws_eip.nat[0].id
  subnet_id     = aws_subnet.public[0].id

  tags = merge(var.tags, { Name = var.name })

  depends_on = [aws_internet_gateway.this]
}

# One route either way, so switching nat_gateway changes its target in
# place instead of replacing it.
resource "aws_route" "private_default" {
  route_table_id         = aws_route_table.private.id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = var.nat_gateway ? aws_nat_gateway.this[0].id : null
  network_interface_id   = var.nat_gateway ? null : var.nat_instance_network_interface_id

  lifecycle {
    precondition {
      condition     = var.nat_gateway || var.nat_instance_network_interface_id != null
      error_message = "Without nat_gateway, the private default route needs nat_instance_network_interface_id (the bastion's primary network interface)."
    }
  }
}

# VPC flow logs (FSBP EC2.6): every accepted and rejected flow, to a
# CloudWatch Logs group that expires them, written through a role that may
# write to that group only.
resource "aws_cloudwatch_log_group" "flow_logs" {
  count = var.flow_logs.enabled ? 1 : 0

  name              = "/vstream/${var.name}/vpc-flow-logs"
  retention_in_days = var.flow_logs.retention_days

  tags = merge(var.tags, { Name = "${var.name}-flow-logs" })
}

# Policies as jsonencode (not aws_iam_policy_document): the mocked tests can
# read them back.
locals {
  flow_logs_assume = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
    }]
  })
  flow_logs_write = var.flow_logs.enabled ? jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect   = "Allow"
      Action   = ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"]
      Resource = "${aws_cloudwatch_log_group.flow_logs[0].arn}:*"
    }]
  }) : null
}

resource "aws_iam_role" "flow_logs" {
  count = var.flow_logs.enabled ? 1 : 0

  name_prefix        = "${var.name}-flow-logs-"
  assume_role_policy = local.flow_logs_assume

  tags = merge(var.tags, { Name = "${var.name}-flow-logs" })
}

resource "aws_iam_role_policy" "flow_logs" {
  count = var.flow_logs.enabled ? 1 : 0

  name   = "write-flow-logs"
  role   = aws_iam_role.flow_logs[0].id
  policy = local.flow_logs_write
}

resource "aws_flow_log" "this" {
  count = var.flow_logs.enabled ? 1 : 0

  vpc_id               = aws_vpc.this.id
  traffic_type         = "ALL"
  log_destination_type = "cloud-watch-logs"
  log_destination      = aws_cloudwatch_log_group.flow_logs[0].arn
  iam_role_arn         = aws_iam_role.flow_logs[0].arn

  tags = merge(var.tags, { Name = var.name })
}
