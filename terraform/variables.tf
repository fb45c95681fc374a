variable "name" {
  description = "Name of the deployment: prefix of every Name tag, security group and key pair."
  type        = string
  default     = "vstream"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter, at most 21 characters."
  }
}

variable "region" {
  description = "AWS region to deploy in (the Debian image is looked up there)."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]+$", var.region))
    error_message = "region must be an AWS region name such as eu-west-1."
  }
}

variable "ssh_public_key" {
  description = "OpenSSH public key (one line: ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp*) allowed to log in as admin on every host. Never the private key."
  type        = string

  validation {
    condition     = can(regex("^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)) AAAA[0-9A-Za-z+/]+={0,3}( [^\\n]*)?$", trimspace(var.ssh_public_key)))
    error_message = "ssh_public_key must be one OpenSSH public key line (ssh-ed25519, ssh-rsa or ecdsa-sha2-nistp*), such as the content of ~/.ssh/id_ed25519.pub."
  }
}

variable "admin_cidr" {
  description = "The only source allowed to SSH to the bastion: an IPv4 CIDR in canonical form, such as 203.0.113.7/32. Never a /0."
  type        = string

  validation {
    condition = (
      can(cidrnetmask(var.admin_cidr)) &&
      try(cidrsubnet(var.admin_cidr, 0, 0) == var.admin_cidr, false) &&
      !endswith(var.admin_cidr, "/0")
    )
    error_message = "admin_cidr must be an IPv4 network in canonical form (203.0.113.7/32, 198.51.100.0/24), and not a /0."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC, prefix length 16 to 20; its subnets are /24s (public 1st, private 2nd: 10.0.1.0/24 and 10.0.2.0/24)."
  type        = string
  default     = "10.0.0.0/16"

  # Subnets are always /24s (hosts 10, 20, 30; four zones need eight).
  validation {
    condition     = can(cidrnetmask(var.vpc_cidr)) && contains(["16", "17", "18", "19", "20"], try(split("/", var.vpc_cidr)[1], "")) && try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false)
    error_message = "vpc_cidr must be an IPv4 network address with a prefix length from 16 to 20, such as 10.0.0.0/16."
  }
}

variable "az_count" {
  description = "Availability zones (1 to 4, checked by modules/network) with a public and a private subnet each; the hosts use the first."
  type        = number
  default     = 1
}

variable "nat_gateway" {
  description = "false: the bastion is the private subnet's NAT instance (cheap; the Ansible nat role configures it). true: a managed NAT gateway with its own Elastic IP."
  type        = bool
  default     = false
}

variable "domain_name" {
  description = "The frontend's DNS name (such as live.example.org), with hosted_zone_id: an A record and a Let's Encrypt certificate. Empty: self-signed TLS on the bare address."
  type        = string
  default     = ""

  validation {
    condition     = var.domain_name == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name such as live.example.org, or empty."
  }
  validation {
    condition     = (var.domain_name == "") == (var.hosted_zone_id == "")
    error_message = "domain_name and hosted_zone_id go together: set both (Route 53 record and a real certificate) or neither (self-signed)."
  }
}

variable "hosted_zone_id" {
  description = "Route 53 hosted zone (such as Z0123456789ABCDEFGHIJ) that holds domain_name; empty for none."
  type        = string
  default     = ""

  validation {
    condition     = var.hosted_zone_id == "" || can(regex("^Z[A-Z0-9]{1,31}$", var.hosted_zone_id))
    error_message = "hosted_zone_id must be a Route 53 zone ID such as Z0123456789ABCDEFGHIJ, or empty."
  }
}

variable "instances" {
  description = "Per host: instance type and root volume size in GiB (at least 8, the image's size)."
  type = object({
    frontend = optional(object({
      instance_type = optional(string, "t3.small")
      volume_size   = optional(number, 16)
    }), {})
    bastion = optional(object({
      instance_type = optional(string, "t3.micro")
      volume_size   = optional(number, 8)
    }), {})
    streamer = optional(object({
      instance_type = optional(string, "t3.small")
      volume_size   = optional(number, 8)
    }), {})
  })
  default = {}
}

variable "elastic_ips" {
  description = "Give the frontend and the bastion Elastic IPs, so their addresses (the DNS record, the inventory) survive a stop and start."
  type        = bool
  default     = false
}

variable "ami_id" {
  description = "Boot this image everywhere instead of the newest Debian 12 (owner 136693071363, debian-12-amd64-*); null to look it up."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource (the provider's default_tags), besides Project and ManagedBy."
  type        = map(string)
  default     = {}
}
