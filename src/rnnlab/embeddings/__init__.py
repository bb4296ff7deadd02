"""Word-embedding matrices: recipes, files, and tools to look at them.

EmbeddingMatrix                 words + (V, d) float32 vectors + meta; ``align(vocab)``
                                builds a model's (len(vocab), d) starting matrix
onehot, random_embedding,       recipes (seeded; ``meta`` records every parameter)
ppmi_svd, word2vec
build_embedding,                a recipe by name, words from a list or a corpus file
embedding_from_corpus
load_embedding, save_embedding  .txt/.vec (GloVe/word2vec text), .bin (word2vec
                                binary), .npy (+ .vocab.json); never pickle
neighbours, analogy,            nearest words by cosine, 3CosAdd analogies, a 2-D map
project_2d, coverage, info      (PCA or t-SNE), vocabulary coverage, a summary
"""

from rnnlab.embeddings.build import (
    CORPUS_METHODS,
    METHODS,
    build_embedding,
    embedding_from_corpus,
    read_corpus,
)
from rnnlab.embeddings.inspect import analogy, coverage, info, neighbours, pca_2d, project_2d
from rnnlab.embeddings.io import (
    load_embedding,
    read_npy_pair,
    read_text_vectors,
    read_word2vec_binary,
    save_embedding,
    words_path,
    write_npy_pair,
    write_text_vectors,
    write_word2vec_binary,
)
from rnnlab.embeddings.matrix import MISSING_RULES, EmbeddingMatrix, match_tokens
from rnnlab.embeddings.ppmi import cooccurrence, ppmi_matrix, ppmi_svd, truncated_svd
from rnnlab.embeddings.recipes import RANDOM_KINDS, onehot, random_embedding, word2vec

__all__ = [
    "CORPUS_METHODS",
    "METHODS",
    "MISSING_RULES",
    "RANDOM_KINDS",
    "EmbeddingMatrix",
    "analogy",
    "build_embedding",
    "cooccurrence",
    "coverage",
    "embedding_from_corpus",
    "info",
    "load_embedding",
    "match_tokens",
    "neighbours",
    "onehot",
    "pca_2d",
    "ppmi_matrix",
    "ppmi_svd",
    "project_2d",
    "random_embedding",
    "read_corpus",
    "read_npy_pair",
    "read_text_vectors",
    "read_word2vec_binary",
    "save_embedding",
    "truncated_svd",
    "word2vec",
    "words_path",
    "write_npy_pair",
    "write_text_vectors",
    "write_word2vec_binary",
]
