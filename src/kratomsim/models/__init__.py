"""Pure maths and value objects: dosing, products, PK structure. No I/O, no project imports above."""
