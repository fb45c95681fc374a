variable "name" {
  description = "Name of the host (frontend, bastion, streamer, ...): the Name tag and the security group's name prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter, at most 41 characters."
  }
}

variable "vpc_id" {
  description = "VPC of the instance's security group."
  type        = string
}

variable "subnet_id" {
  description = "Subnet to launch the instance in."
  type        = string
}

variable "private_ip" {
  description = "Fixed private IPv4 address inside the subnet; null lets AWS choose."
  type        = string
  default     = null

  validation {
    condition     = var.private_ip == null || can(cidrhost("${var.private_ip}/32", 0))
    error_message = "private_ip must be an IPv4 address such as 10.0.1.10."
  }
}

variable "instance_type" {
  description = "EC2 instance type."
  type        = string
  default     = "t3.micro"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type must look like t3.micro."
  }
}

variable "key_name" {
  description = "Name of the EC2 key pair allowed to log in (the login user is admin on Debian images)."
  type        = string
}

variable "ami" {
  description = "Image: an explicit ami_id, or else the most recent image of owner whose name matches name_pattern in the provider's region (Debian 12 by default)."
  type = object({
    ami_id       = optional(string)
    owner        = optional(string, "136693071363")
    name_pattern = optional(string, "debian-12-amd64-*")
    architecture = optional(string, "x86_64")
  })
  default = {}

  validation {
    condition     = var.ami.ami_id == null || can(regex("^ami-[0-9a-f]{8,17}$", var.ami.ami_id))
    error_message = "ami.ami_id must look like ami-0123456789abcdef0."
  }
}

variable "public_ip" {
  description = "Give the instance a public IPv4 address (it must sit in a public subnet)."
  type        = bool
  default     = false
}

variable "elastic_ip" {
  description = "Attach an Elastic IP, so the public address survives a stop and start (implies public_ip)."
  type        = bool
  default     = false
}

variable "nat_instance" {
  description = "The instance forwards other hosts' traffic (NAT instance): turns off the source/destination check."
  type        = bool
  default     = false
}

variable "root_volume" {
  description = "Root volume: size in GiB (at least the image's 8), type, and an optional KMS key (default: the account's EBS key). Always encrypted."
  type = object({
    size       = optional(number, 8)
    type       = optional(string, "gp3")
    kms_key_id = optional(string)
  })
  default = {}

  validation {
    condition     = var.root_volume.size >= 8 && var.root_volume.size <= 1024
    error_message = "root_volume.size must be from 8 (the Debian image's size) to 1024 GiB."
  }
  validation {
    condition     = contains(["gp3", "gp2", "io1", "io2"], var.root_volume.type)
    error_message = "root_volume.type must be gp3, gp2, io1 or io2."
  }
}

variable "user_data" {
  description = "cloud-init user data (plain text); null for none."
  type        = string
  default     = null
}

variable "rules" {
  description = <<-EOT
    The security group's rules, by name: ingress (inbound) and egress
    (outbound). Each rule names one peer: cidr_ipv4, cidr_ipv6,
    referenced_security_group_id or prefix_list_id; ip_protocol "-1" (all) takes no ports;
    to_port defaults to from_port. No ingress rule may open SSH (22) or RTMP
    (1935) to a /0. Without egress rules the instance cannot send anything
    (the VPC's DNS, time and metadata services are not filtered).
  EOT
  type = object({
    ingress = optional(map(object({
      description                  = string
      ip_protocol                  = optional(string, "tcp")
      from_port                    = optional(number)
      to_port                      = optional(number)
      cidr_ipv4                    = optional(string)
      cidr_ipv6                    = optional(string)
      referenced_security_group_id = optional(string)
      prefix_list_id               = optional(string)
    })), {})
    egress = optional(map(object({
      description                  = string
      ip_protocol                  = optional(string, "tcp")
      from_port                    = optional(number)
      to_port                      = optional(number)
      cidr_ipv4                    = optional(string)
      cidr_ipv6                    = optional(string)
      referenced_security_group_id = optional(string)
      prefix_list_id               = optional(string)
    })), {})
  })
  default = {}

  validation {
    condition = alltrue([
      for r in values(var.rules.ingress) :
      !(
        (endswith(coalesce(r.cidr_ipv4, "-"), "/0") || endswith(coalesce(r.cidr_ipv6, "-"), "/0")) &&
        (r.ip_protocol == "-1" || r.from_port == null ? true : anytrue([
          for p in [22, 1935] : r.from_port <= p && p <= (r.to_port == null ? r.from_port : r.to_port)
        ]))
      )
    ])
    error_message = "No ingress rule may open SSH (22) or RTMP (1935) to 0.0.0.0/0 or ::/0."
  }
  validation {
    condition = alltrue([
      for r in concat(values(var.rules.ingress), values(var.rules.egress)) :
      length([for peer in [r.cidr_ipv4, r.cidr_ipv6, r.referenced_security_group_id, r.prefix_list_id] : peer if peer != null]) == 1
    ])
    error_message = "Each rule names exactly one peer: cidr_ipv4, cidr_ipv6, referenced_security_group_id or prefix_list_id."
  }
  validation {
    condition = alltrue([
      for r in concat(values(var.rules.ingress), values(var.rules.egress)) :
      contains(["tcp", "udp", "icmp", "-1"], r.ip_protocol) && (r.ip_protocol == "-1") == (r.from_port == null)
    ])
    error_message = "ip_protocol must be tcp, udp, icmp or -1; from_port is required except with -1, which takes none."
  }
}

variable "additional_security_group_ids" {
  description = "Security groups attached besides the instance's own (at most 4), such as one holding a large managed prefix list, which counts against a group's rule quota by its size."
  type        = list(string)
  default     = []

  validation {
    condition     = length(var.additional_security_group_ids) <= 4
    error_message = "additional_security_group_ids: at most 4 (an instance takes 5 groups)."
  }
}

variable "iam_instance_profile" {
  description = "Name of the IAM instance profile to attach (the instance's AWS permissions); null for none."
  type        = string
  default     = null
}

variable "internet_gateway_id" {
  description = "The VPC's internet gateway; required with elastic_ip, whose association must wait for it."
  type        = string
  default     = null
}

variable "dns_record" {
  description = "An A record for the public address in a Route 53 zone: zone_id, name (FQDN), ttl; null for none."
  type = object({
    zone_id = string
    name    = string
    ttl     = optional(number, 300)
  })
  default = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
