# Offline: the aws provider is mocked; plans only, with generated IDs known at
# plan time (override_during) so references can be compared.

mock_provider "aws" {
  override_during = plan

  mock_data "aws_ami" {
    defaults = {
      id = "ami-0d1eb1a2b3c4d5e6f"
    }
  }

  mock_resource "aws_security_group" {
    defaults = {
      id = "sg-0aaaaaaaaaaaaaaa1"
    }
  }

  mock_resource "aws_instance" {
    defaults = {
      id                           = "i-0123456789abcdef0"
      public_ip                    = "198.51.100.7"
      primary_network_interface_id = "eni-0123456789abcdef0"
    }
  }

  mock_resource "aws_eip" {
    defaults = {
      public_ip = "203.0.113.9"
    }
  }

  mock_resource "aws_route53_record" {}
}

variables {
  name      = "frontend"
  vpc_id    = "vpc-0123456789abcdef0"
  subnet_id = "subnet-0123456789abcdef0"
  key_name  = "vstream"
  rules = {
    ingress = {
      https = { description = "HTTPS from anywhere", from_port = 443, cidr_ipv4 = "0.0.0.0/0" }
      ssh   = { description = "SSH from the bastion", from_port = 22, referenced_security_group_id = "sg-0bbbbbbbbbbbbbbb2" }
    }
    egress = {
      all = { description = "Anything to the VPC", ip_protocol = "-1", cidr_ipv4 = "10.0.0.0/16" }
    }
  }
}

run "hardened_defaults" {
  command = plan

  assert {
    condition     = data.aws_ami.this[0].owners == tolist(["136693071363"]) && data.aws_ami.this[0].most_recent
    error_message = "The image is the newest one from Debian's AWS account."
  }
  assert {
    condition     = one([for f in data.aws_ami.this[0].filter : f.values if f.name == "name"]) == toset(["debian-12-amd64-*"])
    error_message = "The image name pattern is Debian 12 amd64."
  }
  assert {
    condition     = aws_instance.this.ami == "ami-0d1eb1a2b3c4d5e6f"
    error_message = "The instance boots the looked-up image."
  }
  assert {
    condition     = aws_instance.this.metadata_options[0].http_tokens == "required" && aws_instance.this.metadata_options[0].http_put_response_hop_limit == 1
    error_message = "IMDSv2 only (tokens required), not reachable from containers (hop limit 1)."
  }
  assert {
    condition     = aws_instance.this.root_block_device[0].encrypted && aws_instance.this.root_block_device[0].volume_type == "gp3"
    error_message = "The root volume is encrypted gp3."
  }
  assert {
    condition     = aws_instance.this.source_dest_check
    error_message = "Only a NAT instance turns off the source/destination check."
  }
  assert {
    condition     = !aws_instance.this.associate_public_ip_address && output.public_ip == null
    error_message = "No public address unless asked for."
  }
  assert {
    condition     = aws_instance.this.vpc_security_group_ids == toset(["sg-0aaaaaaaaaaaaaaa1"]) && aws_instance.this.key_name == "vstream"
    error_message = "The instance has its own security group and the given key pair, nothing else."
  }
  assert {
    condition     = length(aws_eip.this) == 0 && length(aws_route53_record.this) == 0 && output.dns_name == null
    error_message = "No Elastic IP and no DNS record unless asked for."
  }
}

run "rules_as_separate_resources" {
  command = plan

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.this) == 2 && length(aws_vpc_security_group_egress_rule.this) == 1
    error_message = "One rule resource per listed rule."
  }
  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.this["https"].security_group_id == "sg-0aaaaaaaaaaaaaaa1" &&
      aws_vpc_security_group_ingress_rule.this["https"].from_port == 443 &&
      aws_vpc_security_group_ingress_rule.this["https"].to_port == 443 &&
      aws_vpc_security_group_ingress_rule.this["https"].ip_protocol == "tcp" &&
      aws_vpc_security_group_ingress_rule.this["https"].cidr_ipv4 == "0.0.0.0/0"
    )
    error_message = "https: tcp 443 from 0.0.0.0/0 on the instance's group (to_port defaults to from_port)."
  }
  assert {
    condition = (
      aws_vpc_security_group_ingress_rule.this["ssh"].referenced_security_group_id == "sg-0bbbbbbbbbbbbbbb2" &&
      aws_vpc_security_group_ingress_rule.this["ssh"].cidr_ipv4 == null &&
      aws_vpc_security_group_ingress_rule.this["ssh"].from_port == 22
    )
    error_message = "ssh: tcp 22 from the referenced group only."
  }
  assert {
    condition = (
      aws_vpc_security_group_egress_rule.this["all"].ip_protocol == "-1" &&
      aws_vpc_security_group_egress_rule.this["all"].from_port == null &&
      aws_vpc_security_group_egress_rule.this["all"].to_port == null
    )
    error_message = "An all-protocols rule carries no ports."
  }
  assert {
    condition     = output.rule_summary == { ingress = { https = "tcp 443-443 0.0.0.0/0", ssh = "tcp 22-22 sg-0bbbbbbbbbbbbbbb2" }, egress = { all = "-1 all 10.0.0.0/16" } }
    error_message = "The rule summary gives each rule's protocol, ports and peer in one line."
  }
}

run "nat_instance_with_elastic_ip_and_dns" {
  command = plan

  variables {
    name                 = "bastion"
    nat_instance         = true
    elastic_ip           = true
    internet_gateway_id  = "igw-0123456789abcdef0"
    iam_instance_profile = "vstream-monitoring"
    private_ip           = "10.0.1.20"
    user_data            = "#!/bin/sh\n"
    root_volume          = { size = 12, kms_key_id = "arn:aws:kms:xx-test-1:111122223333:key/test" }
    dns_record           = { zone_id = "Z0123456789ABCDEFGHIJ", name = "bastion.example.org" }
    ami                  = { ami_id = "ami-0fedcba9876543210" }
  }

  assert {
    condition     = !aws_instance.this.source_dest_check && aws_instance.this.associate_public_ip_address
    error_message = "A NAT instance forwards (no source/destination check) and has a public address."
  }
  assert {
    condition     = aws_instance.this.private_ip == "10.0.1.20" && aws_instance.this.user_data != null
    error_message = "The fixed private address and the user data are passed on."
  }
  assert {
    condition     = aws_instance.this.root_block_device[0].volume_size == 12 && aws_instance.this.root_block_device[0].kms_key_id == "arn:aws:kms:xx-test-1:111122223333:key/test" && aws_instance.this.root_block_device[0].encrypted
    error_message = "The root volume takes the size and KMS key given and stays encrypted."
  }
  assert {
    condition     = length(data.aws_ami.this) == 0 && aws_instance.this.ami == "ami-0fedcba9876543210" && output.ami_id == "ami-0fedcba9876543210"
    error_message = "An explicit ami_id skips the lookup."
  }
  assert {
    condition     = aws_eip.this[0].instance == "i-0123456789abcdef0" && output.public_ip == "203.0.113.9"
    error_message = "The Elastic IP is attached to the instance and reported as its public address."
  }
  assert {
    condition     = aws_route53_record.this[0].type == "A" && aws_route53_record.this[0].name == "bastion.example.org" && aws_route53_record.this[0].records == toset(["203.0.113.9"])
    error_message = "The DNS record points at the Elastic IP."
  }
  assert {
    condition     = output.primary_network_interface_id == "eni-0123456789abcdef0"
    error_message = "The primary network interface is exported (the NAT route's target)."
  }
  assert {
    condition     = aws_instance.this.iam_instance_profile == "vstream-monitoring" && output.iam_instance_profile == "vstream-monitoring"
    error_message = "The instance profile given is attached."
  }
  assert {
    condition     = output.dns_record == { zone_id = "Z0123456789ABCDEFGHIJ", name = "bastion.example.org", type = "A", records = toset(["203.0.113.9"]) }
    error_message = "The record is reported as planned."
  }
}

run "elastic_ip_waits_for_the_gateway" {
  command = plan

  variables {
    public_ip  = true
    elastic_ip = true
  }

  expect_failures = [aws_eip.this]
}

run "prefix_list_peer" {
  command = plan

  variables {
    rules = {
      ingress = {
        https = { description = "HTTPS from CloudFront", from_port = 443, prefix_list_id = "pl-0123456789abcdef0" }
      }
    }
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.this["https"].prefix_list_id == "pl-0123456789abcdef0" && aws_vpc_security_group_ingress_rule.this["https"].cidr_ipv4 == null
    error_message = "A rule may name a managed prefix list as its peer."
  }
}

run "world_open_ssh_rejected" {
  command = plan

  variables {
    rules = {
      ingress = {
        ssh = { description = "SSH from anywhere", from_port = 22, cidr_ipv4 = "0.0.0.0/0" }
      }
    }
  }

  expect_failures = [var.rules]
}

run "world_open_rtmp_range_v6_rejected" {
  command = plan

  variables {
    rules = {
      ingress = {
        high = { description = "A range over RTMP", from_port = 1024, to_port = 2000, cidr_ipv6 = "::/0" }
      }
    }
  }

  expect_failures = [var.rules]
}

run "world_open_all_protocols_rejected" {
  command = plan

  variables {
    rules = {
      ingress = {
        all = { description = "Everything", ip_protocol = "-1", cidr_ipv4 = "0.0.0.0/0" }
      }
    }
  }

  expect_failures = [var.rules]
}

run "invalid_inputs" {
  command = plan

  variables {
    name        = "Front End"
    private_ip  = "10.0.1.300"
    root_volume = { size = 4 }
    ami         = { ami_id = "debian" }
    rules = {
      egress = {
        two_peers = { description = "Two peers", from_port = 443, cidr_ipv4 = "0.0.0.0/0", referenced_security_group_id = "sg-0bbbbbbbbbbbbbbb2" }
        list_too  = { description = "Two peers", from_port = 443, cidr_ipv4 = "0.0.0.0/0", prefix_list_id = "pl-0123456789abcdef0" }
      }
    }
  }

  expect_failures = [var.name, var.private_ip, var.root_volume, var.ami, var.rules]
}

run "dns_record_needs_public_address" {
  command = plan

  variables {
    dns_record = { zone_id = "Z0123456789ABCDEFGHIJ", name = "frontend.example.org" }
  }

  expect_failures = [aws_route53_record.this]
}
