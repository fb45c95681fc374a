variable "name" {
  description = "Name prefix of the role and the instance profile (letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,36}$", var.name))
    error_message = "name: lower-case letters, digits and hyphens, starting with a letter, at most 37 characters (AWS adds a suffix)."
  }
}

variable "policy_name" {
  description = "Name of the inline policy."
  type        = string
}

variable "policy" {
  description = "The inline policy, a JSON document (jsonencode)."
  type        = string
}

variable "tags" {
  description = "Tags added to the role and the profile."
  type        = map(string)
  default     = {}
}
