"""Learning: training and cross-validation, the promotion gate, evaluation reports, one training run."""
