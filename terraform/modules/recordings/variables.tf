variable "name" {
  description = "Prefix of the bucket's name and of the role and profile names (letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,20}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter, at most 21 characters."
  }
}

variable "prefix" {
  description = "Key prefix of the recordings (no leading or trailing slash): the frontends write only under PREFIX/, the lifecycle rule expires only there."
  type        = string
  default     = "recordings"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$", var.prefix))
    error_message = "prefix must be one or more path segments of lower-case letters, digits, '.', '_' and '-', without leading or trailing slash (such as recordings)."
  }
}

variable "expiry_days" {
  description = "Days after which a recording's objects are deleted (S3 lifecycle expiration), 1 to 3650."
  type        = number
  default     = 30

  validation {
    condition     = var.expiry_days >= 1 && var.expiry_days <= 3650 && floor(var.expiry_days) == var.expiry_days
    error_message = "expiry_days must be a whole number of days from 1 to 3650."
  }
}

variable "cloudfront_distribution_arn" {
  description = "The distribution allowed to read the recordings (Origin Access Control); null: nobody reads through CloudFront."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
