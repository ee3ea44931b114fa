"""ThCLIP distillation: English–Thai caption pairs, CLIP's text tower as the teacher, the
WangchanBERTa student, its training, its scores, and the translator that makes the pairs."""
