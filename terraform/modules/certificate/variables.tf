variable "domain_name" {
  description = "The name the certificate is for (such as live.example.org)."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name such as live.example.org."
  }
}

variable "zone_id" {
  description = "Route 53 hosted zone holding domain_name, where the validation record goes."
  type        = string
}

variable "tags" {
  description = "Tags added to the certificate."
  type        = map(string)
  default     = {}
}
