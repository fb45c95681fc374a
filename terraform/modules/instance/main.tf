# One EC2 instance with its own security group: an image looked up per
# region (Debian 12 unless told otherwise), IMDSv2 only, an encrypted root
# volume, and exactly the rules the caller lists, each a separate resource.

data "aws_ami" "this" {
  count = var.ami.ami_id == null ? 1 : 0

  most_recent = true
  owners      = [var.ami.owner]

  filter {
    name   = "name"
    values = [var.ami.name_pattern]
  }

  filter {
    name   = "architecture"
    values = [var.ami.architecture]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }

  filter {
    name   = "root-device-type"
    values = ["ebs"]
  }
}

locals {
  ami_id = var.ami.ami_id != null ? var.ami.ami_id : data.aws_ami.this[0].id
}

# name_prefix with create_before_destroy: a changed group is replaced
# without first detaching the running instance from its rules.
resource "aws_security_group" "this" {
  name_prefix = "${var.name}-"
  description = "vstream ${var.name}: only the listed rules"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    create_before_destroy = true
  }
}

# The two rule types take the same arguments: fill in to_port once here.
locals {
  rules = {
    for direction, rules in var.rules : direction => {
      for key, r in rules : key => merge(r, {
        to_port = r.ip_protocol == "-1" ? null : coalesce(r.to_port, r.from_port)
      })
    }
  }
}

resource "aws_vpc_security_group_ingress_rule" "this" {
  for_each = local.rules.ingress

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  cidr_ipv6                    = each.value.cidr_ipv6
  referenced_security_group_id = each.value.referenced_security_group_id
  prefix_list_id               = each.value.prefix_list_id

  tags = merge(var.tags, { Name = "${var.name}-in-${each.key}" })
}

resource "aws_vpc_security_group_egress_rule" "this" {
  for_each = local.rules.egress

  security_group_id            = aws_security_group.this.id
  description                  = each.value.description
  ip_protocol                  = each.value.ip_protocol
  from_port                    = each.value.from_port
  to_port                      = each.value.to_port
  cidr_ipv4                    = each.value.cidr_ipv4
  cidr_ipv6                    = each.value.cidr_ipv6
  referenced_security_group_id = each.value.referenced_security_group_id
  prefix_list_id               = each.value.prefix_list_id

  tags = merge(var.tags, { Name = "${var.name}-out-${each.key}" })
}

resource "aws_instance" "this" {
  ami                         = local.ami_id
  instance_type               = var.instance_type
  subnet_id                   = var.subnet_id
  private_ip                  = var.private_ip
  vpc_security_group_ids      = concat([aws_security_group.this.id], var.additional_security_group_ids)
  key_name                    = var.key_name
  associate_public_ip_address = var.public_ip || var.elastic_ip
  source_dest_check           = !var.nat_instance
  user_data                   = var.user_data
  iam_instance_profile        = var.iam_instance_profile

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  root_block_device {
    encrypted             = true
    kms_key_id            = var.root_volume.kms_key_id
    volume_size           = var.root_volume.size
    volume_type           = var.root_volume.type
    delete_on_termination = true

    tags = merge(var.tags, { Name = var.name })
  }

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    # A newer Debian image must not replace a running host; taint or
    # replace it deliberately (terraform apply -replace=...) to rebuild.
    ignore_changes = [ami]
  }
}

resource "aws_eip" "this" {
  count = var.elastic_ip ? 1 : 0

  domain   = "vpc"
  instance = aws_instance.this.id

  tags = merge(var.tags, { Name = var.name })

  # Referencing the gateway orders the address after it: AWS refuses to
  # associate an Elastic IP in a VPC without one.
  lifecycle {
    precondition {
      condition     = var.internet_gateway_id != null
      error_message = "An Elastic IP needs internet_gateway_id (the VPC's internet gateway), so it is associated only once the gateway exists."
    }
  }
}

locals {
  public_ip = var.elastic_ip ? aws_eip.this[0].public_ip : (var.public_ip ? aws_instance.this.public_ip : null)
}

resource "aws_route53_record" "this" {
  count = var.dns_record == null ? 0 : 1

  zone_id = var.dns_record.zone_id
  name    = var.dns_record.name
  type    = "A"
  ttl     = var.dns_record.ttl
  records = [local.public_ip]

  lifecycle {
    precondition {
      condition     = var.public_ip || var.elastic_ip
      error_message = "A DNS record needs a public address: set public_ip or elastic_ip."
    }
  }
}
