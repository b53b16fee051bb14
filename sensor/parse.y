/* Placeholder: the configuration grammar is being written. */
%{
int yylex(void);
void yyerror(const char *);
%}
%token END
%%
conf	: /* empty */ ;
%%
