"""Training and export code of the experiment, driven by the TypeScript stages."""
