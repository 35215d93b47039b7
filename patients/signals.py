"""Signals other stages listen to, so patients/ does not import the apps built on it."""

from django.dispatch import Signal

# Sent inside the stage move's transaction (course_change_stage or course_enter_stage)
# after the course is saved, with
# course=<TreatmentCourse>, event=<StageEvent>, by=<User>. A receiver that raises
# rolls the stage change back, so receivers must only do what has to succeed with it
# (e.g. create a visit schedule or a monitoring schedule), and queue slow work with
# transaction.on_commit.
course_stage_changed = Signal()

# Sent inside the correction's transaction after a recorded Day 0 was corrected, with
# course=<TreatmentCourse> (its new day0_date), old_date=<date>, by=<User>. Follow-up moves
# the visits not yet done; monitoring counts its days from the course's Day 0 and follows.
course_day0_changed = Signal()
