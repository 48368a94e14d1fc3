"""Demo data: two brands (FR and EN), accounts, a FAQ knowledge base each, 16 weeks of published
posts with metrics and comments, posts in review and upcoming scheduled posts. Deterministic
(seeded)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from clairon.domain import MetricSnapshot, Role, VariantStatus
from clairon.services import accounts as account_service
from clairon.services import knowledge
from clairon.services import users as user_service
from clairon.services import workspaces as ws_service
from clairon.services.context import Actor, Context, audit
from clairon.services.demo_faq import DEMO_FAQ
from clairon.services.scheduling import PUBLISH_JOB, publish_job_key
from clairon.store import inbox as inbox_repo
from clairon.store import jobs as job_repo
from clairon.store import metrics as metric_repo
from clairon.store import posts as post_repo
from clairon.store import workspaces as ws_repo

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "DemoSummary", "seed_demo"]

DEMO_PASSWORD = "clairon-demo"
DEMO_USERS = ("demo@clairon.local", "approver@clairon.local", "editor@clairon.local")

_FR_POSTS = [
    "Nouvelle collection printemps : des soins au bleuet de Bretagne, fabriqués à Rennes. 🌿",
    "Atelier gratuit samedi 14h : apprenez à lire une liste d'ingrédients. Places limitées !",
    "Merci pour vos 10 000 avis ⭐️ Votre confiance nous porte depuis 2012.",
    "Coulisses : notre laboratoire teste chaque formule pendant 6 mois avant sa sortie.",
    "Jeu concours : gagnez un coffret découverte en partageant votre routine du soir ✨",
    "Conseil du lundi : appliquez la crème sur peau encore humide pour mieux l'hydrater.",
    "Nos flacons sont désormais rechargeables dans les 40 boutiques partenaires ♻️",
    "Portrait : Léa, notre formulatrice, vous explique pourquoi elle aime l'aloe vera.",
]
_EN_POSTS = [
    "Our new single-origin beans from Huila, Colombia, are in stores today ☕",
    "Barista tip: let your pour-over bloom for 30 seconds before the main pour.",
    "Thank you, Montréal! Our Mile End café turns five this week 🎉",
    "Behind the scenes: how we roast in small batches every Tuesday morning.",
    "Win a year of coffee: tell us your perfect morning routine in the comments.",
    "We switched to compostable cups in every café. Small step, big difference 🌱",
    "New seasonal drink: maple oat latte. Available until the end of November.",
    "Meet Sam, head roaster, who has cupped over 3,000 coffees this year.",
]
_COMMENTS = {
    "fr": [
        "J'adore cette gamme, ma peau est transformée !",
        "Quand est-ce que ça arrive à Lyon ?",
        "Livraison reçue avec un flacon cassé… pas contente du tout.",
        "Est-ce que c'est adapté aux peaux sensibles ?",
        "Trop cher pour ce que c'est.",
        "Merci pour l'atelier, super moment 😍",
        "Je veux commander le coffret, il reste du stock ?",
        "Toujours pas de réponse du SAV depuis 10 jours, c'est inadmissible.",
    ],
    "en": [
        "Best coffee in town, hands down!",
        "Do you ship to Toronto?",
        "My order arrived cold and late. Not impressed.",
        "Is the maple latte vegan?",
        "Love the new cups 💚",
        "How do I get a refund for a double charge?",
        "Where can I buy the Huila beans?",
        "Your app keeps crashing at checkout.",
    ],
}


@dataclass
class DemoSummary:
    workspaces: int = 0
    posts: int = 0
    comments: int = 0
    snapshots: int = 0


def _handle(rng: random.Random) -> str:
    return f"@{rng.choice(['alex', 'sam', 'lou', 'max', 'nora'])}{rng.randint(1, 999)}"


def _engagement_rate(local_hour: int, weekday: int, rng: random.Random) -> float:
    """A plausible curve: better late morning and early evening, weaker at weekends."""
    curve = (
        0.6
        + 0.5 * math.exp(-((local_hour - 11) ** 2) / 6)
        + 0.45 * math.exp(-((local_hour - 19) ** 2) / 5)
    )
    if weekday >= 5:
        curve *= 0.8
    return 0.025 * curve * rng.lognormvariate(0, 0.45)


def seed_demo(ctx: Context, *, weeks: int = 16, seed: int = 7) -> DemoSummary:
    """Create the demo data unless it exists already (idempotent)."""
    summary = DemoSummary()
    with ctx.store.transaction() as conn:
        if ws_repo.get_user_by_email(conn, DEMO_USERS[0]) is not None:
            return summary
    rng = random.Random(seed)
    owner = user_service.create_user(
        ctx, DEMO_USERS[0], "Camille Demo", DEMO_PASSWORD, is_admin=True
    )
    actor = Actor(owner.id)
    brands = [
        (
            "Maison Lumière",
            "Europe/Paris",
            ["fr", "en"],
            _FR_POSTS,
            "fr",
            ["instagram-demo", "linkedin-demo", "mastodon-demo"],
        ),
        (
            "Northwind Coffee",
            "America/Montreal",
            ["en", "fr"],
            _EN_POSTS,
            "en",
            ["x-demo", "instagram-demo", "bluesky-demo"],
        ),
    ]
    now = ctx.now()
    for name, tz_name, langs, texts, lang, handles in brands:
        ws = ws_service.create_workspace(ctx, actor, name, timezone=tz_name, languages=langs)
        summary.workspaces += 1
        for email, role in ((DEMO_USERS[1], Role.approver), (DEMO_USERS[2], Role.editor)):
            ws_service.invite_member(ctx, actor, ws.id, email, role)
        with ctx.store.transaction() as conn:
            for email in DEMO_USERS[1:]:
                u = ws_repo.get_user_by_email(conn, email)
                if u is not None and not ws_repo.password_hash_of(conn, u.id):
                    from clairon.crypto import hash_password

                    ws_repo.set_password_hash(conn, u.id, hash_password(DEMO_PASSWORD))
        accounts = [
            account_service.connect_account(
                ctx,
                actor,
                ws.id,
                "outbox",
                h,
                settings={"audience_network": h.split("-")[0]},
                display_name=h.replace("-demo", "").title() + " (demo outbox)",
            )
            for h in handles
        ]
        knowledge.import_kb(ctx, actor, ws.id, DEMO_FAQ[name])
        tz = ZoneInfo(tz_name)
        with ctx.store.transaction() as conn:
            start = now - timedelta(weeks=weeks)
            for week in range(weeks):
                for account in accounts:
                    for _ in range(rng.choice([2, 3, 3, 4])):
                        day = start + timedelta(weeks=week, days=rng.randrange(7))
                        local = day.astimezone(tz).replace(
                            hour=rng.choice([8, 9, 11, 12, 13, 17, 18, 19, 21]),
                            minute=rng.choice([0, 15, 30]),
                        )
                        when = local.astimezone(now.tzinfo)
                        if when >= now - timedelta(hours=2):
                            continue
                        text = rng.choice(texts)
                        post_id = post_repo.insert_post(
                            conn,
                            workspace_id=ws.id,
                            title="",
                            body=text,
                            created_by=owner.id,
                            created_at=when - timedelta(days=2),
                        )
                        vid = post_repo.insert_variant(
                            conn,
                            post_id=post_id,
                            workspace_id=ws.id,
                            account_id=account.id,
                            network=account.network,
                            language=lang,
                            ab_letter="A",
                            text=text,
                            status=VariantStatus.published.value,
                            media_ids=[],
                            scheduled_at=when,
                            published_at=when,
                            network_post_id=f"demo-{post_id}",
                            network_url=None,
                            first_comment="",
                            options={},
                            ai={},
                            version=1,
                            updated_at=when,
                        )
                        summary.posts += 1
                        rate = _engagement_rate(local.hour, local.weekday(), rng)
                        impressions = int(rng.lognormvariate(7.2, 0.5))
                        snaps = []
                        for hours in (2, 24, 72):
                            observed = when + timedelta(hours=hours)
                            if observed > now:
                                break
                            share = {2: 0.45, 24: 0.85, 72: 1.0}[hours]
                            eng = impressions * rate * share
                            snaps.append(
                                MetricSnapshot(
                                    variant_id=vid,
                                    observed_at=observed,
                                    impressions=int(impressions * share),
                                    reach=int(impressions * share * 0.8),
                                    reactions=int(eng * 0.7),
                                    comments=int(eng * 0.1),
                                    shares=int(eng * 0.1),
                                    clicks=int(eng * 0.1),
                                )
                            )
                        metric_repo.insert_snapshots(conn, snaps)
                        summary.snapshots += len(snaps)
                        if rng.random() < 0.35:
                            for k in range(rng.randint(1, 3)):
                                c_lang = lang if rng.random() < 0.8 else langs[1]
                                inbox_repo.insert_item_if_new(
                                    conn,
                                    workspace_id=ws.id,
                                    account_id=account.id,
                                    variant_id=vid,
                                    network=account.network,
                                    network_item_id=f"demo-c-{vid}-{k}",
                                    parent_network_id=f"demo-{post_id}",
                                    kind="comment",
                                    author_handle=_handle(rng),
                                    author_name="",
                                    language=None,  # labelled by the triage job
                                    text=rng.choice(_COMMENTS[c_lang]),
                                    url=None,
                                    status="open" if when > now - timedelta(days=10) else "done",
                                    labels=[],
                                    triage={},
                                    created_at=when + timedelta(hours=rng.randint(1, 30)),
                                    ingested_at=now,
                                )
                                summary.comments += 1
            # Upcoming: scheduled, in review, drafts.
            for i in range(10):
                account = accounts[i % len(accounts)]
                local = (
                    (now + timedelta(days=1 + i))
                    .astimezone(tz)
                    .replace(hour=rng.choice([9, 11, 18]), minute=0, second=0, microsecond=0)
                )
                when = local.astimezone(now.tzinfo)
                status = [VariantStatus.scheduled, VariantStatus.in_review, VariantStatus.draft][
                    i % 3
                ]
                text = texts[i % len(texts)]
                post_id = post_repo.insert_post(
                    conn,
                    workspace_id=ws.id,
                    title="",
                    body=text,
                    created_by=owner.id,
                    created_at=now,
                )
                vid = post_repo.insert_variant(
                    conn,
                    post_id=post_id,
                    workspace_id=ws.id,
                    account_id=account.id,
                    network=account.network,
                    language=lang,
                    ab_letter="A",
                    text=text,
                    status=status.value,
                    media_ids=[],
                    scheduled_at=when if status == VariantStatus.scheduled else None,
                    first_comment="",
                    options={},
                    ai={},
                    version=1,
                    updated_at=now,
                )
                if status == VariantStatus.scheduled:
                    job_repo.enqueue_job(
                        conn,
                        PUBLISH_JOB,
                        {"variant_id": vid},
                        run_at=when,
                        now=now,
                        dedupe_key=publish_job_key(vid),
                    )
                summary.posts += 1
            audit(
                conn,
                ctx,
                actor,
                ws.id,
                "demo.seed",
                "workspace",
                ws.id,
                after={"posts": summary.posts},
            )
    return summary
