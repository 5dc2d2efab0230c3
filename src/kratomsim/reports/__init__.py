"""Reserved layer (reports); see DESIGN in the README."""
