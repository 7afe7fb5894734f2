"""Operations: the model registry, background jobs and cross-process locks."""
