"""Feedback between the parties of ended contracts; reputation scores; the job board."""

from .feedback import Feedback
from .jobs import Application, ApplicationState, Job, JobState
from .scores import Reputation

__all__ = ["Application", "ApplicationState", "Feedback", "Job", "JobState", "Reputation"]
