"""
===========================================================
Classifying token sequences where word order matters
===========================================================

:class:`~sklstm.LSTMClassifier` with ``n_tokens`` reads integer token ids
through an embedding, the way a text classifier reads words. The sentences
here are generated, so that the example runs offline and in seconds, and
built so that the order of the words decides the label: "good" is positive,
"not good" is negative. A bag of words, which only counts words, cannot tell
"not good, just bad" from "not bad, just good"; a recurrent network can.

Set ``SKLSTM_EXAMPLES_SMOKE=1`` to run with a couple of epochs (as CI does);
the scores printed then mean nothing.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklstm import LSTMClassifier

SMOKE = os.environ.get("SKLSTM_EXAMPLES_SMOKE") == "1"
rng = np.random.RandomState(0)

# %%
# A text-like data set
# --------------------
# Each sentence has filler words, one positive and one negative word, and a
# "not" before one of them; the label is the sentiment of the word that is
# *not* negated. Both sentiments and the "not" appear in every sentence, so
# only their order tells the classes apart.
FILLERS = "the movie plot was acting and music film it really quite overall".split()
POSITIVE = "good great fine superb".split()
NEGATIVE = "bad awful poor dull".split()


def make_sentence(rng):
    positive, negative = rng.choice(POSITIVE), rng.choice(NEGATIVE)
    label = rng.choice(["positive", "negative"])
    # "not" goes before the word whose sentiment is *not* the label.
    if label == "positive":
        negated, meant = negative, positive
    else:
        negated, meant = positive, negative
    parts = [["not", negated], [meant]]
    rng.shuffle(parts)
    words = []
    for part in parts:
        words += list(rng.choice(FILLERS, size=rng.randint(1, 9))) + part
    return " ".join(words), label


sentences, labels = zip(*(make_sentence(rng) for _ in range(3000)), strict=True)
labels = np.array(labels)
for sentence, label in zip(sentences[:4], labels[:4], strict=True):
    print(f"{label:>8}: {sentence}")

# %%
# From words to padded token ids
# ------------------------------
# Token id 0 is padding, so the vocabulary starts at 1. Sequences are padded
# *at the end* to one length; padded steps are left out of the pooling.
words = sorted({*FILLERS, *POSITIVE, *NEGATIVE, "not"})
vocabulary = {word: token for token, word in enumerate(words, start=1)}
N_STEPS = max(len(sentence.split()) for sentence in sentences)


def to_token_ids(texts):
    """Token ids of shape (n_texts, N_STEPS), 0 after the end of each text."""
    ids = np.zeros((len(texts), N_STEPS), dtype=np.int64)
    for row, text in enumerate(texts):
        tokens = [vocabulary[word] for word in text.split()][:N_STEPS]
        ids[row, : len(tokens)] = tokens
    return ids


X = to_token_ids(sentences)
print("token ids:", X.shape, "vocabulary:", len(vocabulary), "words")
print(X[0])

X_train, X_test, y_train, y_test, text_train, text_test = train_test_split(
    X, labels, np.array(sentences), test_size=0.3, random_state=0
)

# %%
# The bag-of-words baseline
# -------------------------
# Word counts and a logistic regression: a strong baseline for topic-like
# labels, and close to a coin toss here.
bag_of_words = make_pipeline(CountVectorizer(), LogisticRegression())
bag_of_words.fit(text_train, y_train)
print(f"bag of words accuracy: {bag_of_words.score(text_test, y_test):.3f}")

# %%
# The LSTM on token ids
# ---------------------
# ``n_tokens`` is the size of the vocabulary plus the padding id. A
# bidirectional LSTM reads each sentence both ways; ``pooling="max"`` keeps the
# strongest signal over the real (not padded) steps.
clf = LSTMClassifier(
    n_tokens=len(vocabulary) + 1,
    embedding_dim=16,
    hidden_size=32,
    bidirectional=True,
    pooling="max",
    max_epochs=2 if SMOKE else 15,
    lr=3e-3,
    random_state=0,
)
clf.fit(X_train, y_train)
print(f"LSTM accuracy:         {clf.score(X_test, y_test):.3f}")

# %%
# New sentences go through the same tokenizer:
new_sentences = [
    "the movie was not bad and really good",
    "the acting was not good it was bad",
    "overall it was dull and not superb",
]
positive_column = list(clf.classes_).index("positive")
probabilities = clf.predict_proba(to_token_ids(new_sentences))[:, positive_column]
for sentence, probability in zip(new_sentences, probabilities, strict=True):
    print(f"P(positive) = {probability:.2f}: {sentence}")

# %%
# Training loss per epoch:
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(np.arange(1, clf.n_iter_ + 1), clf.loss_curve_)
ax.set_xlabel("epoch")
ax.set_ylabel("cross-entropy")
ax.set_title("LSTMClassifier on token ids")
fig.tight_layout()
plt.show()
