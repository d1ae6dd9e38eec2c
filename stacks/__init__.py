"""The CDK app of vendorcast: one module per concern, composed by `stacks.deployment` from the validated
config. Stacks read only `vendorcast.config` and `vendorcast.resources` from the library."""
