variable "name" {
  description = "Prefix of the distribution's policies and function names (letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,40}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter, at most 41 characters."
  }
}

variable "origin_domain_name" {
  description = "DNS name of the frontends' HTTPS origin (the frontend, or their load balancer); its certificate must be valid for this name, since CloudFront checks it."
  type        = string
}

variable "alias_domain" {
  description = "A name of your own for the distribution (such as cdn.example.org) in hosted_zone_id: an ACM certificate in us-east-1 and A/AAAA alias records; empty: the cloudfront.net name only."
  type        = string
  default     = ""
}

variable "hosted_zone_id" {
  description = "Route 53 zone holding alias_domain; required with it."
  type        = string
  default     = ""

  validation {
    condition     = var.alias_domain == "" || var.hosted_zone_id != ""
    error_message = "alias_domain needs hosted_zone_id (certificate validation and alias records)."
  }
}

variable "price_class" {
  description = "CloudFront price class: PriceClass_100 (North America, Europe), PriceClass_200, PriceClass_All."
  type        = string
  default     = "PriceClass_100"

  validation {
    condition     = contains(["PriceClass_100", "PriceClass_200", "PriceClass_All"], var.price_class)
    error_message = "price_class must be PriceClass_100, PriceClass_200 or PriceClass_All."
  }
}

variable "vod_bucket" {
  description = "The recordings bucket served at /vod/* through Origin Access Control: its regional_domain_name and the key prefix the recordings live under; null for none."
  type = object({
    regional_domain_name = string
    prefix               = string
  })
  default = null
}

variable "tags" {
  description = "Tags added to the distribution and the certificate."
  type        = map(string)
  default     = {}
}
