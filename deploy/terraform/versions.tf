# imds-guard on IBM Cloud: the Terraform module. It deploys what manifest.yaml describes; its inputs
# come from `imds-guard deploy --terraform DIR` (terraform.tfvars.json and grants.auto.tfvars.json).
terraform {
  # optional() object attributes with defaults need 1.3; 1.5 is what IBM Schematics offers today.
  required_version = ">= 1.5.0"
  required_providers {
    ibm = {
      source = "IBM-Cloud/ibm"
      # Pinned: test/fixtures/terraform-provider-ibm/schema-excerpt.json is this version's schema.
      version = "2.5.0"
    }
  }
}

provider "ibm" {
  region = var.region
}
