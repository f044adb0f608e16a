mod gold;
