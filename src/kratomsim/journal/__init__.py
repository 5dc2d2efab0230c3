"""Reserved layer (journal); see DESIGN in the README."""
