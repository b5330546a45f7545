# The identity before any code: a trusted profile that Code Engine hands each linked component a token
# for (no API key), its links, and the least-privilege policies of grants.auto.tfvars.json.

resource "ibm_iam_trusted_profile" "guard" {
  count       = local.trusted_profile == null ? 0 : 1
  name        = local.trusted_profile.name
  description = local.trusted_profile.description
}

# One link per component: only these Code Engine components can get a token for the profile.
resource "ibm_iam_trusted_profile_link" "component" {
  for_each   = local.trusted_profile == null ? {} : local.components
  profile_id = ibm_iam_trusted_profile.guard[0].id
  name       = each.key
  cr_type    = "CE"
  link {
    crn            = ibm_code_engine_project.guard.crn
    component_type = each.value.type
    component_name = each.value.name
  }
}

resource "ibm_iam_trusted_profile_policy" "grant" {
  for_each    = local.trusted_profile == null ? {} : local.grants
  profile_id  = ibm_iam_trusted_profile.guard[0].id
  roles       = each.value.roles
  description = substr("imds-guard: ${each.value.why}", 0, 300)
  resources {
    service              = each.value.scope.service_name
    resource_instance_id = each.value.scope.service_instance
    resource_type        = each.value.scope.resource_type
    resource             = each.value.scope.resource
    attributes           = length(each.value.scope.attributes) > 0 ? each.value.scope.attributes : null
  }
}

resource "ibm_iam_service_id" "guard" {
  count       = local.service_id == null ? 0 : 1
  name        = local.service_id.name
  description = local.service_id.description
}

resource "ibm_iam_service_policy" "grant" {
  for_each    = local.service_id == null ? {} : local.grants
  iam_id      = ibm_iam_service_id.guard[0].iam_id
  roles       = each.value.roles
  description = substr("imds-guard: ${each.value.why}", 0, 300)
  resources {
    service              = each.value.scope.service_name
    resource_instance_id = each.value.scope.service_instance
    resource_type        = each.value.scope.resource_type
    resource             = each.value.scope.resource
    attributes           = length(each.value.scope.attributes) > 0 ? each.value.scope.attributes : null
  }
}
