# Pure: no provider, only functions over its inputs.
terraform {
  required_version = ">= 1.9"
}
