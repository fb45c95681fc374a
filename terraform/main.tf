# vstream on AWS: one VPC with a public subnet (frontend, bastion) and a
# private one (streamer).  The bastion is the only SSH entry (from
# admin_cidr) and, by default, the private subnet's NAT instance.  The
# frontend serves HLS over HTTP(S) to anyone and takes RTMP only from the
# private subnet.  Ansible (ansible/site.yml) configures the hosts from the
# inventory this stack renders (output ansible_inventory).

provider "aws" {
  region = var.region

  default_tags {
    tags = merge(var.tags, { Project = "vstream", ManagedBy = "terraform" })
  }
}

locals {
  nat_instance = !var.nat_gateway
  dns_enabled  = var.domain_name != "" && var.hosted_zone_id != ""
  anywhere     = "0.0.0.0/0"

  # The hosts live in the first zone's subnets, at fixed host numbers, so the
  # frontend's private address (the streamer's RTMP target) is known ahead.
  public_subnet_cidr  = module.network.public_subnet_cidrs[0]
  private_subnet_cidr = module.network.private_subnet_cidrs[0]
  frontend_private_ip = cidrhost(local.public_subnet_cidr, 10)
  bastion_private_ip  = cidrhost(local.public_subnet_cidr, 20)
  streamer_private_ip = cidrhost(local.private_subnet_cidr, 30)

  # Packages, ACME and webhooks: plain and TLS HTTP out to anywhere.
  web_egress = {
    http  = { description = "HTTP out (packages)", from_port = 80, cidr_ipv4 = local.anywhere }
    https = { description = "HTTPS out (packages, ACME, webhooks)", from_port = 443, cidr_ipv4 = local.anywhere }
  }

  # Per private subnet (one per zone): a rule for the given port.
  from_private_subnets = {
    for port_name, port in { rtmp = 1935, http = 80, https = 443 } : port_name => {
      for i, cidr in module.network.private_subnet_cidrs : "${port_name}-private-${i}" => {
        description = "${upper(port_name)} from private subnet ${cidr}"
        from_port   = port
        cidr_ipv4   = cidr
      }
    }
  }

  bastion_user_data = <<-EOT
    #!/bin/sh
    # NAT instance: forward at once.  The Ansible nat role (make deploy) makes
    # it last and adds the masquerading rules.
    sysctl -w net.ipv4.ip_forward=1
  EOT
}

module "network" {
  source = "./modules/network"

  name                              = var.name
  vpc_cidr                          = var.vpc_cidr
  subnet_newbits                    = 24 - tonumber(split("/", var.vpc_cidr)[1])
  az_count                          = var.az_count
  nat_gateway                       = var.nat_gateway
  nat_instance_network_interface_id = local.nat_instance ? module.bastion.primary_network_interface_id : null
}

# The key pair holds only the public key: no private key ever enters the state.
resource "aws_key_pair" "admin" {
  key_name_prefix = "${var.name}-admin-"
  public_key      = trimspace(var.ssh_public_key)
}

module "bastion" {
  source = "./modules/instance"

  name          = "${var.name}-bastion"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.public_subnet_ids[0]
  private_ip    = local.bastion_private_ip
  instance_type = var.instances.bastion.instance_type
  root_volume   = { size = var.instances.bastion.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name
  public_ip     = true
  elastic_ip    = var.elastic_ips
  nat_instance  = local.nat_instance
  user_data     = local.nat_instance ? local.bastion_user_data : null

  rules = {
    ingress = merge(
      { ssh = { description = "SSH from the admin", from_port = 22, cidr_ipv4 = var.admin_cidr } },
      # As the NAT instance: the private subnet's package traffic.
      local.nat_instance ? local.from_private_subnets.http : {},
      local.nat_instance ? local.from_private_subnets.https : {},
    )
    egress = merge(local.web_egress, {
      ssh-frontend = { description = "SSH to the frontend", from_port = 22, referenced_security_group_id = module.frontend.security_group_id }
      ssh-streamer = { description = "SSH to the streamer", from_port = 22, referenced_security_group_id = module.streamer.security_group_id }
    })
  }
}

module "frontend" {
  source = "./modules/instance"

  name          = "${var.name}-frontend"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.public_subnet_ids[0]
  private_ip    = local.frontend_private_ip
  instance_type = var.instances.frontend.instance_type
  root_volume   = { size = var.instances.frontend.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name
  public_ip     = true
  elastic_ip    = var.elastic_ips
  dns_record    = local.dns_enabled ? { zone_id = var.hosted_zone_id, name = var.domain_name } : null

  rules = {
    ingress = merge(
      {
        http  = { description = "HTTP from anywhere (redirect, ACME)", from_port = 80, cidr_ipv4 = local.anywhere }
        https = { description = "HTTPS from anywhere (HLS, player)", from_port = 443, cidr_ipv4 = local.anywhere }
        ssh   = { description = "SSH from the bastion", from_port = 22, referenced_security_group_id = module.bastion.security_group_id }
      },
      local.from_private_subnets.rtmp,
    )
    egress = local.web_egress
  }
}

module "streamer" {
  source = "./modules/instance"

  name          = "${var.name}-streamer"
  vpc_id        = module.network.vpc_id
  subnet_id     = module.network.private_subnet_ids[0]
  private_ip    = local.streamer_private_ip
  instance_type = var.instances.streamer.instance_type
  root_volume   = { size = var.instances.streamer.volume_size }
  ami           = { ami_id = var.ami_id }
  key_name      = aws_key_pair.admin.key_name

  rules = {
    ingress = {
      ssh = { description = "SSH from the bastion", from_port = 22, referenced_security_group_id = module.bastion.security_group_id }
    }
    egress = merge(local.web_egress, {
      rtmp-frontend = { description = "RTMP to the frontend", from_port = 1935, referenced_security_group_id = module.frontend.security_group_id }
    })
  }
}

module "inventory" {
  source = "./modules/inventory"

  frontend            = { public_ip = module.frontend.public_ip, private_ip = module.frontend.private_ip }
  bastion             = { public_ip = module.bastion.public_ip, private_ip = module.bastion.private_ip }
  streamer            = { private_ip = module.streamer.private_ip }
  public_subnet_cidr  = local.public_subnet_cidr
  private_subnet_cidr = local.private_subnet_cidr
  domain_name         = local.dns_enabled ? var.domain_name : ""
  extra_vars          = { vpc_cidr = var.vpc_cidr }
}
