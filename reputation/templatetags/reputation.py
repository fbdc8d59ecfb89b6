"""Template helpers: score badges, the low-trust warning, the ratings chart."""

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def score_badge(person):
    reputation = getattr(person, "reputation", None) if person is not None else None
    if reputation is None or reputation.score is None:
        return format_html('<span class="badge text-bg-light border" data-score="">{}</span>',
                           _("New: no score yet"))
    colour = "success" if reputation.score >= 80 else (
        "warning" if reputation.score >= settings.LOW_TRUST_SCORE else "danger")
    label = _("Trust") if person.role == "client" else _("Score")
    return format_html('<span class="badge text-bg-{}" data-score="{}">{} {}</span>', colour,
                       reputation.score, label, reputation.score)


@register.inclusion_tag("reputation/_low_trust.html")
def low_trust_warning(client):
    reputation = getattr(client, "reputation", None) if client is not None else None
    return {"client": client, "reputation": reputation,
            "low": reputation is not None and reputation.is_low_trust,
            "threshold": settings.LOW_TRUST_SCORE}


@register.simple_tag
def ratings_chart(history):
    """A small SVG line of revealed ratings over time (1 to 5 stars), CSP-safe."""
    if len(history) < 2:
        return ""
    width, height = 300, 60
    step = width / (len(history) - 1)
    points = " ".join(f"{i * step:.1f},{height - (rating - 1) / 4 * (height - 8) - 4:.1f}"
                      for i, (_when, rating) in enumerate(history))
    return format_html(
        '<svg class="ratings-chart" viewBox="0 0 {} {}" width="100%" height="{}" role="img" '
        'aria-label="{}"><polyline fill="none" stroke="#0d6efd" stroke-width="2" points="{}"/>'
        "</svg>", width, height, height, _("Ratings over time"), points)
