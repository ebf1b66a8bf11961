"""Pure domain: dataclasses, rules, state tables and errors. No web, no ORM, no I/O."""
