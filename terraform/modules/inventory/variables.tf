variable "frontends" {
  description = "The frontends (public subnets), in order: their instance ids and public and private IPv4 addresses. One is host frontend; more are frontend1..N."
  type = list(object({
    id         = string
    public_ip  = string
    private_ip = string
  }))

  validation {
    condition     = length(var.frontends) >= 1
    error_message = "frontends needs at least one frontend."
  }
}

variable "ingest_host" {
  description = "Where the streamer publishes RTMP (the internal load balancer's DNS name with several frontends); null: the first frontend's private address."
  type        = string
  default     = null
}

variable "monitoring" {
  description = "The monitoring host (private subnet) when Prometheus has one of its own: its instance id and private IPv4 address; null: Prometheus runs on the bastion."
  type = object({
    id         = string
    private_ip = string
  })
  default = null
}

variable "bastion" {
  description = "The bastion (public subnet; SSH jump host and NAT instance): its instance id and public and private IPv4 addresses."
  type = object({
    id         = string
    public_ip  = string
    private_ip = string
  })
}

variable "streamer" {
  description = "The streamer (private subnet): its instance id and private IPv4 address."
  type = object({
    id         = string
    private_ip = string
  })
}

variable "ansible_user" {
  description = "Login user on every host (admin on Debian's AWS images)."
  type        = string
  default     = "admin"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_-]{0,31}$", var.ansible_user))
    error_message = "ansible_user must be a POSIX user name such as admin."
  }
}

variable "public_subnet_cidr" {
  description = "CIDR of the public subnet (frontend, bastion)."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.public_subnet_cidr))
    error_message = "public_subnet_cidr must be an IPv4 CIDR such as 10.0.1.0/24."
  }
}

variable "private_subnet_cidr" {
  description = "CIDR of the private subnet (streamer): the frontend's vstream_ingest_allow and the bastion's NAT source."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.private_subnet_cidr))
    error_message = "private_subnet_cidr must be an IPv4 CIDR such as 10.0.2.0/24."
  }
}

variable "domain_name" {
  description = "The frontend's DNS name when it has one (a real certificate); empty for none (self-signed)."
  type        = string
  default     = ""
}

variable "extra_vars" {
  description = "More variables for every host (all.vars), of any type; they cannot replace the ones this module sets."
  type        = any
  default     = {}
}
