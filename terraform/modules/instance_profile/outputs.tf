output "instance_profile_name" {
  description = "Name of the instance profile, for an instance's iam_instance_profile."
  value       = aws_iam_instance_profile.this.name
}

output "planned" {
  description = "As planned, for audits and tests: the trust policy, the inline policy (JSON both), and whether the policy and the profile use this role."
  value = {
    assume_role_policy = aws_iam_role.this.assume_role_policy
    policy             = aws_iam_role_policy.this.policy
    wired              = aws_iam_role_policy.this.role == aws_iam_role.this.id && aws_iam_instance_profile.this.role == aws_iam_role.this.name
  }
}
