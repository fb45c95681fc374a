# The root stack, offline: the aws provider is mocked and every run is a
# plan.  IDs and addresses the real plan would only learn from AWS are fixed
# by overrides at plan time, so each rule can be checked against its peer.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_availability_zones" {
    defaults = {
      names = ["xx-test-1a", "xx-test-1b"]
    }
  }

  # Generated at plan time: only whether the record exists is checked.
  mock_resource "aws_route53_record" {}

  mock_data "aws_ami" {
    defaults = {
      id = "ami-0d1eb1a2b3c4d5e6f"
    }
  }
}

override_resource {
  target          = module.frontend.aws_security_group.this
  override_during = plan
  values          = { id = "sg-0f00000000000000f" }
}

override_resource {
  target          = module.bastion.aws_security_group.this
  override_during = plan
  values          = { id = "sg-0b00000000000000b" }
}

override_resource {
  target          = module.streamer.aws_security_group.this
  override_during = plan
  values          = { id = "sg-0500000000000005" }
}

override_resource {
  target          = module.frontend.aws_instance.this
  override_during = plan
  values          = { public_ip = "203.0.113.10", primary_network_interface_id = "eni-0f00000000000000f" }
}

override_resource {
  target          = module.bastion.aws_instance.this
  override_during = plan
  values          = { public_ip = "203.0.113.20", primary_network_interface_id = "eni-0b00000000000000b" }
}

override_resource {
  target          = module.network.aws_nat_gateway.this
  override_during = plan
  values          = { id = "nat-0123456789abcdef0" }
}

variables {
  ssh_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGV4YW1wbGUga2V5IGZvciB0ZXN0cyBvbmx5 admin@example"
  admin_cidr     = "198.51.100.7/32"
}

run "defaults" {
  command = plan

  # Network: CIDR arithmetic and the NAT instance route.
  assert {
    condition     = output.public_subnet_cidr == "10.0.1.0/24" && output.private_subnet_cidr == "10.0.2.0/24"
    error_message = "A 10.0.0.0/16 VPC has the public subnet 10.0.1.0/24 and the private one 10.0.2.0/24."
  }
  assert {
    condition     = output.frontend_private_ip == "10.0.1.10" && module.bastion.private_ip == "10.0.1.20" && output.streamer_private_ip == "10.0.2.30"
    error_message = "The hosts sit at host numbers 10 (frontend), 20 (bastion) and 30 (streamer)."
  }
  assert {
    condition = jsonencode(module.network.private_default_route) == jsonencode({
      destination_cidr_block = "0.0.0.0/0"
      nat_gateway_id         = null
      network_interface_id   = "eni-0b00000000000000b"
    })
    error_message = "The private default route goes through the bastion's primary network interface."
  }
  assert {
    condition     = module.network.nat_gateway_public_ip == null
    error_message = "No NAT gateway by default."
  }

  # Instances: IMDSv2, encrypted root volumes; only the bastion forwards.
  assert {
    condition = alltrue([
      for h in [module.frontend.hardening, module.bastion.hardening, module.streamer.hardening] :
      h.metadata_http_tokens == "required" && h.root_volume_encrypted
    ])
    error_message = "Every host requires IMDSv2 tokens and has an encrypted root volume."
  }
  assert {
    condition     = !module.bastion.hardening.source_dest_check && module.frontend.hardening.source_dest_check && module.streamer.hardening.source_dest_check
    error_message = "Only the bastion (the NAT instance) has the source/destination check off."
  }
  assert {
    condition     = module.bastion.ami_id == "ami-0d1eb1a2b3c4d5e6f" && module.streamer.ami_id == "ami-0d1eb1a2b3c4d5e6f"
    error_message = "The hosts boot the looked-up Debian image."
  }
  assert {
    condition     = aws_key_pair.admin.public_key == var.ssh_public_key
    error_message = "The key pair holds the given public key."
  }

  # Security groups, rule by rule.
  assert {
    condition = jsonencode(module.frontend.security_group_rules.ingress) == jsonencode({
      http           = { security_group_id = "sg-0f00000000000000f", ip_protocol = "tcp", from_port = 80, to_port = 80, cidr_ipv4 = "0.0.0.0/0", cidr_ipv6 = null, referenced_security_group_id = null }
      https          = { security_group_id = "sg-0f00000000000000f", ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ipv4 = "0.0.0.0/0", cidr_ipv6 = null, referenced_security_group_id = null }
      rtmp-private-0 = { security_group_id = "sg-0f00000000000000f", ip_protocol = "tcp", from_port = 1935, to_port = 1935, cidr_ipv4 = "10.0.2.0/24", cidr_ipv6 = null, referenced_security_group_id = null }
      ssh            = { security_group_id = "sg-0f00000000000000f", ip_protocol = "tcp", from_port = 22, to_port = 22, cidr_ipv4 = null, cidr_ipv6 = null, referenced_security_group_id = "sg-0b00000000000000b" }
    })
    error_message = "frontend in: 80 and 443 from anywhere, 1935 from the private subnet only, 22 from the bastion's group only."
  }
  assert {
    condition = jsonencode(module.bastion.security_group_rules.ingress) == jsonencode({
      ssh             = { security_group_id = "sg-0b00000000000000b", ip_protocol = "tcp", from_port = 22, to_port = 22, cidr_ipv4 = "198.51.100.7/32", cidr_ipv6 = null, referenced_security_group_id = null }
      http-private-0  = { security_group_id = "sg-0b00000000000000b", ip_protocol = "tcp", from_port = 80, to_port = 80, cidr_ipv4 = "10.0.2.0/24", cidr_ipv6 = null, referenced_security_group_id = null }
      https-private-0 = { security_group_id = "sg-0b00000000000000b", ip_protocol = "tcp", from_port = 443, to_port = 443, cidr_ipv4 = "10.0.2.0/24", cidr_ipv6 = null, referenced_security_group_id = null }
    })
    error_message = "bastion in: 22 from admin_cidr only; 80 and 443 (NAT) from the private subnet only."
  }
  assert {
    condition = jsonencode(module.streamer.security_group_rules.ingress) == jsonencode({
      ssh = { security_group_id = "sg-0500000000000005", ip_protocol = "tcp", from_port = 22, to_port = 22, cidr_ipv4 = null, cidr_ipv6 = null, referenced_security_group_id = "sg-0b00000000000000b" }
    })
    error_message = "streamer in: 22 from the bastion's group, nothing else."
  }
  assert {
    condition = (
      module.bastion.security_group_rules.egress["ssh-frontend"].referenced_security_group_id == "sg-0f00000000000000f" &&
      module.bastion.security_group_rules.egress["ssh-streamer"].referenced_security_group_id == "sg-0500000000000005" &&
      module.streamer.security_group_rules.egress["rtmp-frontend"].referenced_security_group_id == "sg-0f00000000000000f" &&
      module.streamer.security_group_rules.egress["rtmp-frontend"].from_port == 1935
    )
    error_message = "Out: the bastion SSHes to the frontend's and streamer's groups, the streamer pushes RTMP to the frontend's group."
  }
  assert {
    condition = (
      keys(module.frontend.security_group_rules.egress) == ["http", "https"] &&
      keys(module.bastion.security_group_rules.egress) == ["http", "https", "ssh-frontend", "ssh-streamer"] &&
      keys(module.streamer.security_group_rules.egress) == ["http", "https", "rtmp-frontend"]
    )
    error_message = "Out, nothing more: HTTP(S) for everyone, SSH from the bastion to its two hosts, RTMP from the streamer."
  }
  assert {
    condition = alltrue([
      for m in [module.frontend, module.bastion, module.streamer] :
      contains(keys(m.security_group_rules.egress), "http") &&
      m.security_group_rules.egress.https.cidr_ipv4 == "0.0.0.0/0" && m.security_group_rules.egress.https.to_port == 443
    ])
    error_message = "Every host may reach HTTP(S) anywhere (packages, ACME)."
  }
  assert {
    condition = alltrue(flatten([
      for m in [module.frontend, module.bastion, module.streamer] : [
        for r in values(m.security_group_rules.ingress) :
        !(
          (r.cidr_ipv4 == "0.0.0.0/0" || r.cidr_ipv6 == "::/0") &&
          (r.ip_protocol == "-1" || (r.from_port <= 22 && 22 <= r.to_port) || (r.from_port <= 1935 && 1935 <= r.to_port))
        )
      ]
    ]))
    error_message = "No rule anywhere lets 0.0.0.0/0 or ::/0 reach port 22 or 1935."
  }

  # Outputs and the inventory, parsed back.
  assert {
    condition     = output.frontend_public_ip == "203.0.113.10" && output.bastion_public_ip == "203.0.113.20" && output.frontend_url == "https://203.0.113.10/"
    error_message = "The public addresses and the player's URL are reported."
  }
  assert {
    condition = yamldecode(output.ansible_inventory).all.vars == {
      ansible_user        = "admin"
      private_subnet_cidr = "10.0.2.0/24"
      public_subnet_cidr  = "10.0.1.0/24"
      frontend_private_ip = "10.0.1.10"
      domain_name         = ""
      vpc_cidr            = "10.0.0.0/16"
    }
    error_message = "The inventory hands the roles the subnets, the RTMP target and no domain."
  }
  assert {
    condition = yamldecode(output.ansible_inventory).all.children.streamer.hosts.streamer == {
      ansible_host            = "10.0.2.30"
      private_ip              = "10.0.2.30"
      ansible_ssh_common_args = "-o ProxyJump=admin@203.0.113.20"
    }
    error_message = "The streamer is reached at its private address through the bastion."
  }
  assert {
    condition     = yamldecode(output.ansible_inventory).all.children.frontend.hosts.frontend.ansible_host == "203.0.113.10" && yamldecode(output.ansible_inventory).all.children.bastion.hosts.bastion.ansible_host == "203.0.113.20"
    error_message = "The frontend and the bastion are named by their public addresses."
  }
}

run "nat_gateway_domain_and_zones" {
  command = plan

  variables {
    nat_gateway    = true
    az_count       = 2
    vpc_cidr       = "172.16.0.0/20"
    domain_name    = "live.example.org"
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  assert {
    condition     = module.network.private_default_route.nat_gateway_id == "nat-0123456789abcdef0" && module.network.private_default_route.network_interface_id == null
    error_message = "With nat_gateway, the private default route goes through the NAT gateway."
  }
  assert {
    condition     = module.bastion.hardening.source_dest_check
    error_message = "With a NAT gateway, no host forwards (the bastion keeps its source/destination check)."
  }
  assert {
    condition     = keys(module.bastion.security_group_rules.ingress) == ["ssh"]
    error_message = "With a NAT gateway, the bastion takes only SSH from admin_cidr."
  }
  assert {
    condition     = output.public_subnet_cidr == "172.16.1.0/24" && output.private_subnet_cidr == "172.16.2.0/24" && output.frontend_private_ip == "172.16.1.10"
    error_message = "Subnets are the VPC's first /24s, whatever its prefix."
  }
  assert {
    condition     = module.network.private_subnet_cidrs == ["172.16.2.0/24", "172.16.4.0/24"]
    error_message = "A second zone adds the next pair of /24s."
  }
  assert {
    condition = (
      module.frontend.security_group_rules.ingress["rtmp-private-1"].cidr_ipv4 == "172.16.4.0/24" &&
      module.frontend.security_group_rules.ingress["rtmp-private-0"].cidr_ipv4 == "172.16.2.0/24"
    )
    error_message = "RTMP is open to each private subnet, and only to them."
  }
  assert {
    condition     = module.frontend.dns_name != null && yamldecode(output.ansible_inventory).all.vars.domain_name == "live.example.org"
    error_message = "With a domain and a zone: a Route 53 record, and the domain goes to the roles (real certificate)."
  }
  assert {
    condition     = output.frontend_url == "https://live.example.org/"
    error_message = "The player's URL uses the domain."
  }
}

run "admin_cidr_not_a_cidr" {
  command = plan

  variables {
    admin_cidr = "my-office"
  }

  expect_failures = [var.admin_cidr]
}

run "admin_cidr_world" {
  command = plan

  variables {
    admin_cidr = "0.0.0.0/0"
  }

  expect_failures = [var.admin_cidr]
}

run "invalid_inputs" {
  command = plan

  variables {
    ssh_public_key = "-----BEGIN OPENSSH PRIVATE KEY-----"
    vpc_cidr       = "10.0.0.0/24"
    region         = "Ireland"
    name           = "vstream_prod"
    hosted_zone_id = "Z0123456789ABCDEFGHIJ"
  }

  expect_failures = [var.ssh_public_key, var.vpc_cidr, var.region, var.name, var.domain_name]
}

run "admin_cidr_not_canonical" {
  command = plan

  variables {
    admin_cidr  = "198.51.100.7/24"
    domain_name = "Live.Example.org"
  }

  expect_failures = [var.admin_cidr, var.domain_name]
}
