"""Hybrid retrieval: lexical normalisation, BM25 coverage, dense side, language twins."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clairon.inbox.embeddings import CharNgramEmbedder, MultilingualEmbedder
from clairon.inbox.kb import KBEntry
from clairon.inbox.retrieval import HybridRetriever, lexical_tokens, normalise_query

ENTRIES = (
    KBEntry("en-ship", "How much does shipping cost?", "Shipping costs €4.90.", "en"),
    KBEntry("fr-port", "Combien coûtent les frais de port ?", "La livraison coûte 4,90 €.", "fr"),
    KBEntry("en-hours", "What are your opening hours?", "We open at 10 am every day.", "en"),
    KBEntry("en-refund", "When will I be refunded?", "Refunds take 5 working days.", "en"),
)


def test_tokens_fold_accents_drop_function_words_and_stem() -> None:
    folded = lexical_tokens("quand serai je rembourse")
    assert lexical_tokens("Quand serai-je REMBOURSÉ ?") == folded
    assert lexical_tokens("the orders") == lexical_tokens("order") == ["order"]
    assert lexical_tokens("arrivée, arrivées, arrived") == ["arriv", "arriv", "arriv"]
    assert lexical_tokens("le la les de et") == []


@given(st.text(max_size=60))
def test_tokens_never_fail_and_are_idempotent_on_their_output(text: str) -> None:
    tokens = lexical_tokens(text)
    assert all(t and t == t.casefold() for t in tokens)


def test_lexical_only_ranks_the_matching_entry_first() -> None:
    retriever = HybridRetriever(ENTRIES, use_dense=False)
    hits = retriever.search(["refund delay?", "opening hours sunday"], k=2)
    assert [h[0].entry.id for h in hits] == ["en-refund", "en-hours"]
    assert hits[0][0].coverage > 0.3 and hits[0][0].dense == 0.0


def test_char_ngram_dense_side_tolerates_typos() -> None:
    retriever = HybridRetriever(ENTRIES, embedder=CharNgramEmbedder(), dense_weight=1.0)
    assert retriever.search(["shiping cots"])[0][0].entry.id == "en-ship"
    assert retriever.dense_name == "tfidf/char-ngram-2-4"


def test_multilingual_embedder_crosses_languages_and_prefers_the_askers_twin() -> None:
    assert MultilingualEmbedder.available()
    retriever = HybridRetriever(ENTRIES)
    # A French question with no word in common with the English opening-hours entry.
    hits = retriever.search(["Vous ouvrez à quelle heure le matin ?"], languages=["fr"])[0]
    assert hits[0].entry.id == "en-hours"
    # Asked in French, the shipping entry is answered from its French twin.
    hits = retriever.search(["how much is postage"], languages=["fr"])[0]
    assert hits[0].entry.id == "fr-port"
    assert retriever.are_twins(ENTRIES[0], ENTRIES[1])
    assert not retriever.are_twins(ENTRIES[0], ENTRIES[2])


def test_queries_lose_emoji_elongations_and_punctuation_runs() -> None:
    assert normalise_query("pleeease where is my parcel ??? 🙏😊") == "please where is my parcel ?"
    assert normalise_query("c'est  troooop long !!!") == "c'est trop long !"
    assert (
        normalise_query("commande n° 1000, livrée le 12/03") == "commande n° 1000, livrée le 12/03"
    )
    retriever = HybridRetriever(ENTRIES, use_dense=False)
    noisy, clean = retriever.search(["refuuuund delay??? 😡😡", "refund delay?"])
    assert [h.entry.id for h in noisy] == [h.entry.id for h in clean]
    assert noisy[0].coverage == clean[0].coverage


@given(st.text(max_size=60))
def test_normalised_queries_are_stable(text: str) -> None:
    once = normalise_query(text)
    assert normalise_query(once) == once


def test_twins_are_mutual_nearest_neighbours_across_languages() -> None:
    entries = (
        *ENTRIES,
        KBEntry(
            "fr-heures", "Quels sont vos horaires ?", "Nous ouvrons à 10 h tous les jours.", "fr"
        ),
    )
    retriever = HybridRetriever(entries)
    assert retriever.are_twins(entries[0], entries[1]) and retriever.are_twins(
        entries[1], entries[0]
    )
    assert retriever.are_twins(entries[2], entries[4])
    # The refund entry's nearest French entry is taken by its own twin: no pairing by default.
    assert not any(retriever.are_twins(entries[3], other) for other in entries)
    assert retriever.twin_similarity(0, 1) > retriever.twin_similarity(3, 1)
