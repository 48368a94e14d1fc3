"""The demo brands' FAQ knowledge bases, so that the assistant has something to answer from.

Maison Lumière (skincare, French first) and Northwind Coffee (cafés and beans, English first),
each with entries in both languages, some translated (twins) and some in one language only;
their questions are the ones the demo comments ask."""

from __future__ import annotations

from clairon.inbox.kb import KBEntry

__all__ = ["DEMO_FAQ"]

_LUMIERE = (
    KBEntry(
        "fr-livraison",
        "Quels sont vos délais de livraison ?",
        "Nous expédions sous 24 h ouvrées ; la livraison prend 2 à 3 jours en France "
        "métropolitaine et 3 à 5 jours en Belgique et en Suisse.",
        "fr",
        ("livraison", "délais"),
    ),
    KBEntry(
        "en-delivery",
        "How long does delivery take?",
        "We ship within one working day; delivery takes 2-3 days in mainland France and "
        "3-5 days in Belgium and Switzerland.",
        "en",
        ("delivery",),
    ),
    KBEntry(
        "fr-boutiques",
        "Où trouver vos produits en boutique ?",
        "Nos soins sont vendus dans 40 boutiques partenaires, dont Rennes, Nantes, Lyon et "
        "Paris : la carte est sur lumiere.example/boutiques.",
        "fr",
        ("boutiques", "Lyon"),
    ),
    KBEntry(
        "fr-peaux-sensibles",
        "Vos soins conviennent-ils aux peaux sensibles ?",
        "Oui : toutes nos formules sont testées sous contrôle dermatologique, sans parfum "
        "ajouté pour la gamme Bleuet. En cas de doute, demandez un échantillon.",
        "fr",
        ("peau sensible", "allergies"),
    ),
    KBEntry(
        "en-sensitive-skin",
        "Are your products suitable for sensitive skin?",
        "Yes: every formula is dermatologically tested, and the Bleuet range has no added "
        "fragrance. If in doubt, ask us for a sample.",
        "en",
        ("sensitive skin",),
    ),
    KBEntry(
        "fr-produit-abime",
        "J'ai reçu un produit abîmé, que faire ?",
        "Envoyez-nous une photo du produit et du colis sous 14 jours : nous renvoyons un "
        "produit neuf ou nous vous remboursons, au choix.",
        "fr",
        ("casse", "colis"),
    ),
    KBEntry(
        "fr-stock",
        "Un produit en rupture va-t-il revenir ?",
        "Nos coffrets reviennent en général sous trois semaines ; cliquez sur « M'avertir » "
        "sur la fiche produit pour recevoir un e-mail dès leur retour.",
        "fr",
        ("stock", "coffret"),
    ),
    KBEntry(
        "fr-retours",
        "Puis-je retourner un produit ?",
        "Vous avez 30 jours pour retourner un produit non ouvert ; le remboursement arrive "
        "sous 5 jours ouvrés après réception.",
        "fr",
        ("retour", "remboursement"),
    ),
)
_NORTHWIND = (
    KBEntry(
        "en-shipping",
        "Which countries do you ship to?",
        "We ship beans across Canada and to the United States; orders over $45 ship free. "
        "Delivery takes 2-5 business days.",
        "en",
        ("shipping", "Canada", "USA"),
    ),
    KBEntry(
        "fr-expedition",
        "Dans quels pays livrez-vous ?",
        "Nous livrons nos grains partout au Canada et aux États-Unis ; livraison gratuite "
        "dès 45 $. Comptez 2 à 5 jours ouvrables.",
        "fr",
        ("livraison", "Canada"),
    ),
    KBEntry(
        "en-vegan",
        "Which drinks are vegan?",
        "Every drink can be made with oat, soy or almond milk, and our syrups (maple "
        "included) are vegan. Just ask for a plant-based milk.",
        "en",
        ("vegan", "oat milk", "maple latte"),
    ),
    KBEntry(
        "en-refund",
        "How do I get a refund?",
        "Reply to your order confirmation or write to help@northwind.example with the "
        "order number; refunds, including double charges, are made within 5 business "
        "days.",
        "en",
        ("refund", "double charge"),
    ),
    KBEntry(
        "en-beans",
        "Where can I buy your beans?",
        "In all our cafés, on northwind.example/shop, and at 60 grocers in Québec and "
        "Ontario (store finder on the website).",
        "en",
        ("beans", "stores", "Huila"),
    ),
    KBEntry(
        "en-app",
        "The app is not working, what should I do?",
        "Update the app, then sign out and back in. If checkout still fails, pay in store "
        "and tell us your phone model at help@northwind.example.",
        "en",
        ("app", "checkout", "bug"),
    ),
    KBEntry(
        "fr-horaires",
        "Quels sont les horaires de vos cafés ?",
        "Nos cafés ouvrent de 7 h à 19 h en semaine et de 8 h à 18 h le week-end.",
        "fr",
        ("horaires",),
    ),
)
DEMO_FAQ: dict[str, tuple[KBEntry, ...]] = {"Maison Lumière": _LUMIERE,
                                            "Northwind Coffee": _NORTHWIND}  # fmt: skip
