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
  description = "Per host (frontend, each of them; bastion; streamer; monitoring, with monitoring_instance): instance type and root volume size in GiB (at least 8, the image's size)."
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
    monitoring = optional(object({
      instance_type = optional(string, "t3.small")
      volume_size   = optional(number, 20)
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

variable "frontend_count" {
  description = "Frontends, 1 to 9. More than one: an internal NLB on TCP 1935 for the streamer and an internet-facing ALB on 443 (ACM certificate for domain_name, which then points at it) in front of them; needs domain_name and az_count >= 2."
  type        = number
  default     = 1

  validation {
    condition     = var.frontend_count >= 1 && var.frontend_count <= 9 && floor(var.frontend_count) == var.frontend_count
    error_message = "frontend_count must be a whole number from 1 to 9 (host numbers 10 to 18 of the public subnets)."
  }
  validation {
    condition     = var.frontend_count == 1 || (var.domain_name != "" && var.az_count >= 2)
    error_message = "frontend_count > 1 needs domain_name and hosted_zone_id (the load balancer's certificate) and az_count >= 2 (an ALB spans two zones)."
  }
}

variable "cdn_enabled" {
  description = "CloudFront in front of the frontends' HLS (modules/cdn); their 443 then takes only CloudFront's origin-facing addresses. Needs domain_name: CloudFront checks the origin's certificate."
  type        = bool
  default     = false

  validation {
    condition     = !var.cdn_enabled || var.domain_name != ""
    error_message = "cdn_enabled needs domain_name and hosted_zone_id: CloudFront reaches the frontends by a name with a real certificate."
  }
}

variable "cdn_alias_domain" {
  description = "With cdn_enabled: a name of your own for the distribution (such as cdn.example.org) in hosted_zone_id, with an ACM certificate in us-east-1; empty: the cloudfront.net name."
  type        = string
  default     = ""

  validation {
    condition     = var.cdn_alias_domain == "" || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.cdn_alias_domain))
    error_message = "cdn_alias_domain must be a lower-case DNS name such as cdn.example.org, or empty."
  }
  validation {
    condition     = var.cdn_alias_domain == "" || (var.cdn_enabled && var.hosted_zone_id != "" && var.cdn_alias_domain != var.domain_name)
    error_message = "cdn_alias_domain needs cdn_enabled and hosted_zone_id, and must differ from domain_name (the origin's name)."
  }
}

variable "cdn_price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe; cheapest), PriceClass_200, PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.cdn_price_class)
    error_message = "cdn_price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "ingest_public_cidrs" {
  description = "IPv4 CIDRs (canonical form, at most 40) allowed to publish over RTMPS (rtmps_port) to the frontends from the internet; empty: the port stays closed (no rule at all)."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for c in var.ingest_public_cidrs : can(cidrnetmask(c)) && try(cidrsubnet(c, 0, 0) == c, false)
    ])
    error_message = "ingest_public_cidrs must hold IPv4 networks in canonical form, such as 198.51.100.0/24 or 203.0.113.7/32."
  }
  validation {
    condition     = length(var.ingest_public_cidrs) <= 40
    error_message = "ingest_public_cidrs: at most 40 entries (one rule each; a security group holds 60)."
  }
}

variable "rtmps_port" {
  description = "The frontends' RTMPS port (TLS by nginx's stream module), opened to ingest_public_cidrs only; not 22, 80, 443 or 1935."
  type        = number
  default     = 1936

  validation {
    condition     = var.rtmps_port >= 1 && var.rtmps_port <= 65535 && floor(var.rtmps_port) == var.rtmps_port && !contains([22, 80, 443, 1935], var.rtmps_port)
    error_message = "rtmps_port must be a port from 1 to 65535 other than 22, 80, 443 and 1935 (those have rules of their own)."
  }
}

variable "monitoring_instance" {
  description = "false: Prometheus runs on the bastion; true: on a host of its own in the private subnet (instances.monitoring). Either way that host gets ec2:DescribeInstances and the frontends' 443."
  type        = bool
  default     = false
}

variable "recordings_bucket_enabled" {
  description = "An S3 bucket for recordings (private, encrypted, unversioned, expiring), the frontends allowed to put and delete objects under recordings_prefix only; with cdn_enabled, /vod/* served from it by CloudFront."
  type        = bool
  default     = false
}

variable "recordings_prefix" {
  description = "Key prefix of the recordings in the bucket (no leading or trailing slash); CloudFront's /vod/X is PREFIX/X."
  type        = string
  default     = "recordings"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$", var.recordings_prefix))
    error_message = "recordings_prefix must be path segments of lower-case letters, digits, '.', '_' and '-', without leading or trailing slash (such as recordings)."
  }
}

variable "recordings_expiry_days" {
  description = "Days after which recordings are deleted from the bucket (S3 lifecycle), 1 to 3650."
  type        = number
  default     = 30

  validation {
    condition     = var.recordings_expiry_days >= 1 && var.recordings_expiry_days <= 3650 && floor(var.recordings_expiry_days) == var.recordings_expiry_days
    error_message = "recordings_expiry_days must be a whole number of days from 1 to 3650."
  }
}

variable "flow_logs_enabled" {
  description = "VPC flow logs (FSBP EC2.6): all traffic to a CloudWatch Logs group, kept flow_logs_retention_days."
  type        = bool
  default     = false
}

variable "flow_logs_retention_days" {
  description = "Days the flow logs are kept: one of CloudWatch Logs' values (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  type        = number
  default     = 90

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs_retention_days)
    error_message = "flow_logs_retention_days must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}
