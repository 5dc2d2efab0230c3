"""Reserved layer (risk); see DESIGN in the README."""
