"""Signals other stages listen to, so patients/ does not import the apps built on it."""

from django.dispatch import Signal

# Sent inside the stage move's transaction (course_change_stage or course_enter_stage)
# after the course is saved, with
# course=<TreatmentCourse>, event=<StageEvent>, by=<User>. A receiver that raises
# rolls the stage change back, so receivers must only do what has to succeed with it
# (e.g. create a visit schedule or a monitoring schedule), and queue slow work with
# transaction.on_commit.
course_stage_changed = Signal()
