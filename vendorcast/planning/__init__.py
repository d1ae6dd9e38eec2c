"""From forecast to decision: Amazon's orders forecast (sell-in) from the demand forecast, the supply plan (what to
start producing or ordering each week) and the advice on how much of each open purchase-order line to confirm.

The core here works on plain frames and arrays and reads nothing: vendorcast.lake.planning_inputs reads a lake into
`PlanningInputs`, `plan.plan_supply` turns them into the three tables (docs/planning.md)."""
