"""Measuring the pictures: CLIP scores, aesthetic scores and diversity over prompts × seeds,
stored feedback, and an HTML report."""
