output "arn" {
  description = "ARN of the certificate, known once it is validated (issued)."
  value       = aws_acm_certificate_validation.this.certificate_arn
}
