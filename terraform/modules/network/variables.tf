variable "name" {
  description = "Prefix of every Name tag (letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter, at most 32 characters."
  }
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC in canonical form (10.0.0.0/16), room for subnets of at most /28 with subnet_newbits."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition = (
      can(cidrnetmask(var.vpc_cidr)) &&
      try(cidrsubnet(var.vpc_cidr, 0, 0) == var.vpc_cidr, false) &&
      try(tonumber(split("/", var.vpc_cidr)[1]) + var.subnet_newbits <= 28, false)
    )
    error_message = "vpc_cidr must be an IPv4 network address such as 10.0.0.0/16, whose prefix length plus subnet_newbits is at most 28 (AWS's smallest subnet)."
  }
}

variable "subnet_newbits" {
  description = "Bits added to the VPC prefix for each subnet (8: a /16 VPC gets /24 subnets); there must be room for 2 * az_count subnets plus one."
  type        = number
  default     = 8

  validation {
    condition     = var.subnet_newbits >= 1 && floor(var.subnet_newbits) == var.subnet_newbits && pow(2, var.subnet_newbits) > 2 * var.az_count
    error_message = "subnet_newbits must be a whole number with room for 2 * az_count + 1 subnets (netnum 0 stays unused)."
  }
}

variable "az_count" {
  description = "Availability zones to spread over: one public and one private subnet in each."
  type        = number
  default     = 1

  validation {
    condition     = var.az_count >= 1 && var.az_count <= 4 && floor(var.az_count) == var.az_count
    error_message = "az_count must be a whole number from 1 to 4."
  }
}

variable "nat_gateway" {
  description = "true: the private subnets reach the internet through a managed NAT gateway (with an Elastic IP); false: through the NAT instance given by nat_instance_network_interface_id."
  type        = bool
  default     = false
}

variable "nat_instance_network_interface_id" {
  description = "Primary network interface of the NAT instance (the bastion); the private default route targets it. Required unless nat_gateway is true."
  type        = string
  default     = null
}

variable "instance_types" {
  description = "Instance types the hosts use: only availability zones offering all of them are chosen (aws_ec2_instance_type_offerings). Empty: any available zone."
  type        = list(string)
  default     = []
}

variable "flow_logs" {
  description = "VPC flow logs (all traffic) to a CloudWatch Logs group kept retention_days (one of CloudWatch's values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  type = object({
    enabled        = optional(bool, false)
    retention_days = optional(number, 90)
  })
  default = {}

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_logs.retention_days)
    error_message = "flow_logs.retention_days must be one of CloudWatch Logs' retention values: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
