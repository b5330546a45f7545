data "ibm_resource_group" "group" {
  name = var.resource_group
}

resource "ibm_code_engine_project" "guard" {
  name              = var.project.name
  resource_group_id = data.ibm_resource_group.group.id
}
